import type { Route } from './wire.ts';

/**
 * Route table: (client ip, client port, target ip, target port) → the replayer connection that
 * sent the ADD. The newest ADD for a key wins. Two-level maps on exact 48-bit integer keys
 * (ip × 65536 + port) avoid building a string per captured packet.
 *
 * Entries expire when idle (no ADD, no routed response) for `idleMs`, or `closeGraceMs` after the
 * target reset the connection (late retransmissions still find their way during the grace).
 */
export interface RouteTableOptions {
  idleMs: number;
  closeGraceMs: number;
  maxRoutes: number;
}

export const DEFAULT_ROUTE_OPTIONS: RouteTableOptions = {
  idleMs: 5 * 60_000,
  closeGraceMs: 10_000,
  maxRoutes: 2_000_000,
};

interface Entry<P> {
  peer: P;
  expiresAt: number;
  /** The target reset the connection: responses no longer extend the entry's life. */
  closing: boolean;
}

export function endpointKey(ip: number, port: number): number {
  return (ip >>> 0) * 65536 + port;
}

/** Routes a full table looks at for expired ones before it refuses a new route. */
const FULL_TABLE_SWEEP_ROUTES = 5000;

export class RouteTable<P> {
  private readonly byClient = new Map<number, Map<number, Entry<P>>>();
  /** Routes per peer: a peer without any (a probe, a storm of short connections) leaves without a scan. */
  private readonly perPeer = new Map<P, number>();
  private count = 0;
  /** Where expireSome() resumes (a Map iterator stays valid while entries are added and deleted). */
  private sweep: MapIterator<[number, Map<number, Entry<P>>]> | undefined;

  constructor(private readonly options: RouteTableOptions = DEFAULT_ROUTE_OPTIONS) {}

  get size(): number {
    return this.count;
  }

  /** How many routes lead to `peer`. */
  routesOf(peer: P): number {
    return this.perPeer.get(peer) ?? 0;
  }

  /** Returns false when the table is full and the route was not added. */
  add(route: Route, peer: P, now: number): boolean {
    const clientKey = endpointKey(route.clientIp, route.clientPort);
    const targetKey = endpointKey(route.targetIp, route.targetPort);
    let targets = this.byClient.get(clientKey);
    const existing = targets?.get(targetKey);
    if (existing) {
      this.uncount(existing.peer);
      this.countPeer(peer);
      existing.peer = peer;
      existing.expiresAt = now + this.options.idleMs;
      existing.closing = false;
      return true;
    }
    if (this.count >= this.options.maxRoutes) {
      // Expired routes the periodic sweep has not reached yet must not hold a new one out.
      this.expireSome(now, FULL_TABLE_SWEEP_ROUTES);
      if (this.count >= this.options.maxRoutes) return false;
      targets = this.byClient.get(clientKey);
    }
    if (!targets) {
      targets = new Map();
      this.byClient.set(clientKey, targets);
    }
    targets.set(targetKey, { peer, expiresAt: now + this.options.idleMs, closing: false });
    this.count++;
    this.countPeer(peer);
    return true;
  }

  /** The peer for a response from target to client, refreshing the entry's idle timer. */
  lookup(
    clientIp: number,
    clientPort: number,
    targetIp: number,
    targetPort: number,
    now: number,
  ): P | undefined {
    const entry = this.byClient
      .get(endpointKey(clientIp, clientPort))
      ?.get(endpointKey(targetIp, targetPort));
    if (!entry || entry.expiresAt <= now) return undefined;
    if (!entry.closing) entry.expiresAt = now + this.options.idleMs;
    return entry.peer;
  }

  /** The target reset this connection: keep routing for the grace period only. */
  closing(clientIp: number, clientPort: number, targetIp: number, targetPort: number, now: number): void {
    const entry = this.byClient
      .get(endpointKey(clientIp, clientPort))
      ?.get(endpointKey(targetIp, targetPort));
    if (entry && !entry.closing) {
      entry.closing = true;
      entry.expiresAt = now + this.options.closeGraceMs;
    }
  }

  /** Removes every route of a peer (it disconnected). Returns how many. */
  removePeer(peer: P): number {
    const routes = this.routesOf(peer);
    if (routes === 0) return 0;
    return this.removeWhere((e) => e.peer === peer, routes);
  }

  /** Removes expired routes. Returns how many. */
  expire(now: number): number {
    return this.removeWhere((e) => e.expiresAt <= now, this.count);
  }

  /**
   * Removes expired routes among the next `budget` or so routes, resuming where the previous call
   * stopped and starting over after the last: a large table is swept in slices that never hold
   * the event loop long, instead of in one walk. Returns how many were removed.
   */
  expireSome(now: number, budget: number): number {
    const expired = (e: Entry<P>) => e.expiresAt <= now;
    let removed = 0;
    let visited = 0;
    this.sweep ??= this.byClient.entries();
    while (visited < budget) {
      const next = this.sweep.next();
      if (next.done) {
        this.sweep = undefined;
        break;
      }
      visited += next.value[1].size;
      removed += this.removeInBucket(next.value[0], next.value[1], expired);
    }
    this.count -= removed;
    return removed;
  }

  /** Removes the entries that pass `test`, stopping once `atMost` are gone. */
  private removeWhere(test: (e: Entry<P>) => boolean, atMost: number): number {
    let removed = 0;
    for (const [clientKey, targets] of this.byClient) {
      if (removed === atMost) break;
      removed += this.removeInBucket(clientKey, targets, test);
    }
    this.count -= removed;
    return removed;
  }

  /** Removes one client endpoint's entries that pass `test` (the caller adjusts the count). */
  private removeInBucket(
    clientKey: number,
    targets: Map<number, Entry<P>>,
    test: (e: Entry<P>) => boolean,
  ): number {
    let removed = 0;
    for (const [targetKey, entry] of targets) {
      if (test(entry)) {
        targets.delete(targetKey);
        this.uncount(entry.peer);
        removed++;
      }
    }
    if (targets.size === 0) this.byClient.delete(clientKey);
    return removed;
  }

  private countPeer(peer: P): void {
    this.perPeer.set(peer, this.routesOf(peer) + 1);
  }

  private uncount(peer: P): void {
    const left = this.routesOf(peer) - 1;
    if (left > 0) this.perPeer.set(peer, left);
    else this.perPeer.delete(peer);
  }
}
