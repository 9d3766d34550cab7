import { putU16 } from './bytes.ts';
import { internetChecksum } from './checksum.ts';
import type { MalformedReason } from './status.ts';

export interface DefragmentLimits {
  /** Datagrams being reassembled at once; the oldest is dropped to make room. */
  maxDatagrams: number;
  /** Bytes held across all datagrams being reassembled; the oldest are dropped to stay under. */
  maxHeldBytes: number;
  /** Capture-time seconds after its first fragment that a datagram is given up (Linux: 30). */
  timeoutSec: number;
}

export const defaultDefragmentLimits: DefragmentLimits = {
  maxDatagrams: 256,
  maxHeldBytes: 8 * 1024 * 1024,
  timeoutSec: 30,
};

/** One fragment, as its IP decoder found it. */
export interface Fragment {
  /** Identifies the datagram: (src, dst, id, protocol) for IPv4, (src, dst, id) for IPv6. */
  key: string;
  version: 4 | 6;
  timeSec: number;
  /** Byte offset of this fragment's data in the datagram's payload, and whether more follow. */
  offset: number;
  more: boolean;
  buf: Buffer;
  dataOffset: number;
  dataLength: number;
  /** IPv4: the whole IP header; IPv6: the 40-byte fixed header. Kept from the fragment at offset 0. */
  headerOffset: number;
  headerLength: number;
  /** IPv6: the fragment header's next header, the first header of the reassembled payload. */
  nextHeader: number;
}

export const FragmentOutcome = { HELD: 0, COMPLETE: 1, REJECTED: 2 } as const;
export type FragmentOutcome = (typeof FragmentOutcome)[keyof typeof FragmentOutcome];

const MAX_PAYLOAD = 65535;
const DATAGRAM_BUFFER_SIZE = 40 + MAX_PAYLOAD;

class PartialDatagram {
  header: Buffer | null = null;
  data = Buffer.alloc(0);
  /** Received byte ranges, sorted and disjoint: [start0, end0, start1, end1, ...]. */
  ranges: number[] = [];
  /** Payload length, known once the last fragment (M=0) arrived. */
  totalLength = -1;

  constructor(
    readonly version: 4 | 6,
    readonly firstTimeSec: number,
  ) {}

  isComplete(): boolean {
    const r = this.ranges;
    return (
      this.header !== null &&
      this.totalLength >= 0 &&
      r.length === 2 &&
      r[0] === 0 &&
      r[1] === this.totalLength
    );
  }
}

/**
 * Reassembles IPv4 and IPv6 fragments into whole datagrams in a buffer it owns.
 *
 * Overlaps: data already received wins, a later fragment only fills holes. (Linux now drops a
 * datagram with overlapping fragments altogether, as RFC 5722 asks for IPv6; a replay tool would
 * rather keep the bytes the receiver most likely used. Crafted evasion traces such as zeek's
 * fragmented-4 reassemble to the intended request this way.) Memory is bounded by
 * `DefragmentLimits`; a datagram whose fragments disagree about its length is dropped.
 */
export class Defragmenter {
  readonly limits: DefragmentLimits;
  readonly stats = { added: 0, reassembled: 0, timedOut: 0, evicted: 0, rejected: 0 };
  /** The last completed datagram, a whole IP packet at offset 0, valid until the next completion. */
  readonly datagram = Buffer.alloc(DATAGRAM_BUFFER_SIZE);
  datagramLength = 0;
  rejectReason: MalformedReason | null = null;
  private readonly pending = new Map<string, PartialDatagram>();
  private heldBytes = 0;

  constructor(limits?: Partial<DefragmentLimits>) {
    this.limits = { ...defaultDefragmentLimits, ...limits };
  }

  get datagramsHeld(): number {
    return this.pending.size;
  }

  add(fragment: Fragment): FragmentOutcome {
    this.stats.added++;
    this.expire(fragment.timeSec);
    const end = fragment.offset + fragment.dataLength;
    const maxPayload = fragment.version === 4 ? MAX_PAYLOAD - 20 : MAX_PAYLOAD;
    if (end > maxPayload) return this.reject('fragment-too-large');
    if (fragment.more && fragment.dataLength % 8 !== 0) return this.reject('fragment-length');

    let datagram = this.pending.get(fragment.key);
    if (datagram === undefined) {
      datagram = new PartialDatagram(fragment.version, fragment.timeSec);
      this.pending.set(fragment.key, datagram);
    }
    if (!this.agreesOnLength(datagram, fragment.more, end)) {
      this.drop(fragment.key, datagram);
      return this.reject('fragment-conflict');
    }
    if (fragment.offset === 0 && datagram.header === null) {
      datagram.header = Buffer.from(
        fragment.buf.subarray(fragment.headerOffset, fragment.headerOffset + fragment.headerLength),
      );
      if (fragment.version === 6) datagram.header[6] = fragment.nextHeader;
    }
    this.store(datagram, fragment, end);
    if (!datagram.isComplete()) {
      this.enforceLimits();
      return FragmentOutcome.HELD;
    }
    this.assemble(datagram);
    this.drop(fragment.key, datagram);
    this.stats.reassembled++;
    return FragmentOutcome.COMPLETE;
  }

  private agreesOnLength(datagram: PartialDatagram, more: boolean, end: number): boolean {
    const lastEnd = datagram.ranges.length === 0 ? 0 : datagram.ranges[datagram.ranges.length - 1];
    if (!more) {
      if (datagram.totalLength >= 0 && datagram.totalLength !== end) return false;
      if (lastEnd > end) return false;
      datagram.totalLength = end;
      return true;
    }
    return datagram.totalLength < 0 || end <= datagram.totalLength;
  }

  /** Copies the bytes of the fragment that fill holes, then merges its range. */
  private store(datagram: PartialDatagram, fragment: Fragment, end: number): void {
    const start = fragment.offset;
    if (datagram.data.length < end) {
      const grown = Buffer.alloc(Math.min(MAX_PAYLOAD, Math.max(end, datagram.data.length * 2, 1024)));
      datagram.data.copy(grown);
      this.heldBytes += grown.length - datagram.data.length;
      datagram.data = grown;
    }
    const ranges = datagram.ranges;
    let cursor = start;
    for (let i = 0; i < ranges.length && cursor < end; i += 2) {
      if (ranges[i + 1] <= cursor) continue;
      if (ranges[i] >= end) break;
      if (ranges[i] > cursor) this.copyData(datagram, fragment, cursor, ranges[i]);
      cursor = Math.max(cursor, ranges[i + 1]);
    }
    if (cursor < end) this.copyData(datagram, fragment, cursor, end);
    datagram.ranges = mergeRange(ranges, start, end);
  }

  private copyData(datagram: PartialDatagram, fragment: Fragment, from: number, to: number): void {
    const source = fragment.dataOffset - fragment.offset;
    fragment.buf.copy(datagram.data, from, source + from, source + to);
  }

  private assemble(datagram: PartialDatagram): void {
    const header = datagram.header!;
    const out = this.datagram;
    header.copy(out, 0);
    datagram.data.copy(out, header.length, 0, datagram.totalLength);
    if (datagram.version === 4) {
      putU16(out, 2, header.length + datagram.totalLength);
      out[6] &= 0x40; // keep DF, clear MF and the offset
      out[7] = 0;
      putU16(out, 10, 0);
      putU16(out, 10, internetChecksum(out, 0, header.length));
    } else {
      putU16(out, 4, datagram.totalLength);
    }
    this.datagramLength = header.length + datagram.totalLength;
  }

  private reject(reason: MalformedReason): FragmentOutcome {
    this.stats.rejected++;
    this.rejectReason = reason;
    return FragmentOutcome.REJECTED;
  }

  private drop(key: string, datagram: PartialDatagram): void {
    this.pending.delete(key);
    this.heldBytes -= datagram.data.length;
  }

  private expire(nowSec: number): void {
    for (const [key, datagram] of this.pending) {
      if (nowSec - datagram.firstTimeSec <= this.limits.timeoutSec) break;
      this.drop(key, datagram);
      this.stats.timedOut++;
    }
  }

  private enforceLimits(): void {
    for (const [key, datagram] of this.pending) {
      if (this.pending.size <= this.limits.maxDatagrams && this.heldBytes <= this.limits.maxHeldBytes) break;
      this.drop(key, datagram);
      this.stats.evicted++;
    }
  }
}

function mergeRange(ranges: number[], start: number, end: number): number[] {
  const merged: number[] = [];
  let i = 0;
  while (i < ranges.length && ranges[i + 1] < start) merged.push(ranges[i++], ranges[i++]);
  while (i < ranges.length && ranges[i] <= end) {
    start = Math.min(start, ranges[i]);
    end = Math.max(end, ranges[i + 1]);
    i += 2;
  }
  merged.push(start, end);
  while (i < ranges.length) merged.push(ranges[i++]);
  return merged;
}
