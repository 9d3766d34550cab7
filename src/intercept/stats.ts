/** Counters of a running intercept, and the plain snapshot its live view is drawn from. */

/** Monotonic totals since start. */
export interface InterceptTotals {
  /** Response packets libpcap delivered. */
  captured: number;
  /** Records sent (or queued) to a replayer. */
  routed: number;
  /** SYN-ACK/RST records held because their ADD had not arrived yet. */
  held: number;
  /** Held records handed over when their ADD came. */
  heldDelivered: number;
  /** Held records whose ADD never came in time. */
  heldExpired: number;
  /** Responses with no route, not held (or the held store was full). */
  unroutable: number;
  /** Records dropped because a replayer did not read fast enough (oldest dropped first). */
  dropped: number;
  /** Packets that cannot travel in the v1 format (IPv6) or are not TCP/IP. */
  unsupported: number;
  adds: number;
  dels: number;
  /** ADDs refused because the route table is full. */
  addsRefused: number;
  /** Connections refused by --allow or the peer limit. */
  peersRefused: number;
  /** Connections dropped for breaking the protocol (garbage, wrong version, no hello in time). */
  peersDropped: number;
}

export interface InterceptRates {
  captured: number;
  routed: number;
  held: number;
  unroutable: number;
  dropped: number;
}

export interface InterceptSnapshot {
  /** Milliseconds since the intercept started. */
  uptimeMs: number;
  listening: string;
  device: string;
  filter: string;
  replayers: number;
  routesActive: number;
  heldNow: number;
  /** Bytes waiting for slow replayers (our queues and the sockets' buffers). */
  queuedBytes: number;
  totals: InterceptTotals;
  /** Per second, over the interval since the previous snapshot. */
  perSecond: InterceptRates;
}

export function zeroTotals(): InterceptTotals {
  return {
    captured: 0,
    routed: 0,
    held: 0,
    heldDelivered: 0,
    heldExpired: 0,
    unroutable: 0,
    dropped: 0,
    unsupported: 0,
    adds: 0,
    dels: 0,
    addsRefused: 0,
    peersRefused: 0,
    peersDropped: 0,
  };
}

/** Turns successive totals into per-second rates. */
export class RateMeter {
  private lastAt: number;
  private last: InterceptTotals;

  constructor(now: number) {
    this.lastAt = now;
    this.last = zeroTotals();
  }

  sample(totals: InterceptTotals, now: number): InterceptRates {
    const seconds = Math.max(now - this.lastAt, 1) / 1000;
    const rate = (k: keyof InterceptRates) => Math.round((totals[k] - this.last[k]) / seconds);
    const rates = {
      captured: rate('captured'),
      routed: rate('routed'),
      held: rate('held'),
      unroutable: rate('unroutable'),
      dropped: rate('dropped'),
    };
    this.last = { ...totals };
    this.lastAt = now;
    return rates;
  }
}

export function formatTotals(s: InterceptSnapshot): string {
  const t = s.totals;
  return [
    `intercept stopped after ${(s.uptimeMs / 1000).toFixed(1)} s`,
    `  captured ${t.captured}, routed ${t.routed}, unroutable ${t.unroutable}, dropped (slow replayer) ${t.dropped}, unsupported (IPv6/non-TCP) ${t.unsupported}`,
    `  held ${t.held} (delivered ${t.heldDelivered}, expired ${t.heldExpired})`,
    `  ADD ${t.adds} (refused ${t.addsRefused}), DEL ${t.dels}; peers refused ${t.peersRefused}, dropped ${t.peersDropped}`,
  ].join('\n');
}
