/**
 * A TCP 4-tuple as the flow table keys it: the two endpoints in a fixed order ("lo" and "hi") so
 * that both directions of a session find the same entry, and a small hash of it that stays a
 * small integer (no allocation per packet for IPv4).
 */
import type { PacketView } from '../packet/view.ts';
import type { SessionTracker } from './session-tracker.ts';

/**
 * No sequence number seen yet in that direction (sequence numbers are 0 .. 2^32 - 1). Not a small
 * integer, so that the fields holding it are doubles from birth (see timestamp.ts).
 */
export const NO_BASE = Number.NEGATIVE_INFINITY;

export interface Conversation {
  ipVersion: 4 | 6;
  /** IPv4 tuple (ipVersion 4); the addresses as int32 (`address | 0`), which V8 keeps unboxed. */
  lo4: number;
  hi4: number;
  loPort: number;
  hiPort: number;
  /** IPv6 tuple as text (ipVersion 6). */
  key6: string;
  /**
   * First sequence number seen in each direction (a SYN's own, else one before the segment's), as
   * tshark keeps it: a SYN whose sequence number differs opens a new session on the tuple.
   * NO_BASE until known (a number, not undefined, so that the field stays a plain double).
   */
  loBase: number;
  hiBase: number;
  /** The open session on this tuple; undefined once it closed (the entry stays to absorb late packets). */
  tracker: SessionTracker | undefined;
  clientIsLo: boolean;
  /** Packets of the open session still to take in before the sink is told of it (FlowTable). */
  packetsBeforeOpened: number;
  /** Next entry whose IPv4 tuple has the same hash (ConversationTable). */
  nextInBucket: Conversation | undefined;
  /** The entries added just before and after this one to the table it is in (ConversationTable). */
  older: Conversation | undefined;
  newer: Conversation | undefined;
}

/** Whether the view's source is the "lo" endpoint of its tuple. */
export function sourceIsLo(view: PacketView): boolean {
  if (view.ipVersion === 4) {
    const src = view.src4 >>> 0;
    const dst = view.dst4 >>> 0;
    return src < dst || (src === dst && view.srcPort <= view.dstPort);
  }
  const order = compareBytes(view.src6, view.dst6);
  return order < 0 || (order === 0 && view.srcPort <= view.dstPort);
}

export function hashIpv4(lo4: number, hi4: number, loPort: number, hiPort: number): number {
  let h = Math.imul(lo4 ^ Math.imul(hi4, 0x9e3779b1), 0x85ebca6b) ^ ((loPort << 16) | hiPort);
  h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
  return (h ^ (h >>> 13)) & 0x3fffffff;
}

export function keyIpv6(view: PacketView, srcIsLo: boolean): string {
  const src = `${Buffer.from(view.src6.buffer, view.src6.byteOffset, 16).toString('hex')}.${view.srcPort}`;
  const dst = `${Buffer.from(view.dst6.buffer, view.dst6.byteOffset, 16).toString('hex')}.${view.dstPort}`;
  return srcIsLo ? `${src}-${dst}` : `${dst}-${src}`;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return 0;
}
