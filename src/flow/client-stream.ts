/**
 * Reassembles the client's byte stream from captured segments: orders them by sequence number
 * (modulo 2^32), drops bytes already delivered (retransmissions, duplicates, overlaps: the first
 * data wins), holds out-of-order segments until the hole before them is filled, and reports bytes
 * the capture does not hold as gaps instead of inventing them. No I/O, no clock.
 */
import { seqAdd, seqDiff } from './seq.ts';

/** Where reassembled bytes go, in stream order. Offsets count from the stream's first byte. */
export interface StreamConsumer {
  /** `data` is present only when the stream keeps payload; it may be a view of a reused buffer. */
  bytes(streamOffset: number, length: number, data: Buffer | undefined, tsUs: number): void;
  /** `tsUs` is the capture time of the packet that revealed the gap. */
  gap(streamOffset: number, length: number, tsUs: number): void;
}

export interface ClientStreamLimits {
  /** Out-of-order segments held at most; beyond it the first hole is declared a gap. */
  maxPendingSegments: number;
  /** Out-of-order payload bytes held at most (counting captured bytes). */
  maxPendingBytes: number;
}

export const defaultClientStreamLimits: ClientStreamLimits = {
  maxPendingSegments: 1024,
  maxPendingBytes: 4 * 1024 * 1024,
};

/** A segment further than this ahead of the stream is not believed (a corrupt or foreign seq). */
const MAX_AHEAD = 1 << 30;

interface PendingSegment {
  seq: number;
  /** Length on the wire (sequence space). */
  wireLength: number;
  /** Bytes of it present in the capture (a prefix: the snap length cuts the tail). */
  capturedLength: number;
  data: Buffer | undefined;
  tsUs: number;
}

/** Why an accepted segment added nothing, or what it did. */
export type SegmentResult = 'in-order' | 'out-of-order' | 'retransmission' | 'out-of-window';

export class ClientStream {
  /**
   * Sequence number of stream offset 0 (valid once hasBase: set by the SYN or the first data).
   * Held as int32 (`seq | 0`), which V8 keeps unboxed; seqAdd and seqDiff take it modulo 2^32.
   */
  private base = 0;
  private hasBase = false;
  /** Stream offset of the next byte expected in order. */
  private next = 0;
  /**
   * Out-of-order segments, sorted by sequence number; undefined rather than empty (most streams
   * never hold one: no array to allocate, none to load for every in-order segment).
   */
  private pending: PendingSegment[] | undefined;
  private pendingBytes = 0;
  /** End of the last gap, so that adjacent missing ranges count as one gap. */
  private lastGapEnd = -1;
  retransmissions = 0;
  gaps = 0;
  gapBytes = 0;
  truncatedSegments = 0;

  constructor(
    private readonly consumer: StreamConsumer,
    public keepPayload: boolean,
    private readonly limits: ClientStreamLimits = defaultClientStreamLimits,
  ) {}

  /** Sequence number of the first stream byte, once known. */
  get baseSeq(): number | undefined {
    return this.hasBase ? this.base >>> 0 : undefined;
  }

  get hasPending(): boolean {
    return this.pending !== undefined;
  }

  /** Sets the first stream byte from the client's ISN (SYN) or the server's ack of it (SYN-ACK). */
  startAt(firstSeq: number): void {
    if (!this.hasBase) this.setBase(firstSeq);
  }

  /**
   * Offers one captured segment: its captured payload is buf[offset, offset + capturedLength),
   * which the snap length may have cut short of `wireLength`.
   */
  segment(
    seq: number,
    wireLength: number,
    buf: Buffer,
    offset: number,
    capturedLength: number,
    tsUs: number,
  ): SegmentResult {
    if (!this.hasBase) this.setBase(seq);
    const nextSeq = seqAdd(this.base, this.next);
    const start = seqDiff(nextSeq, seq);
    if (start >= MAX_AHEAD) return 'out-of-window';
    const end = start + wireLength;
    if (end <= 0) {
      this.retransmissions++;
      return 'retransmission';
    }
    const captured = Math.min(capturedLength, wireLength);
    const data = this.keepPayload ? buf.subarray(offset, offset + captured) : undefined;
    if (start > 0) return this.hold(seq, wireLength, captured, data, tsUs);
    const trim = -start;
    this.deliver(trim, wireLength, captured, data, tsUs);
    if (trim > 0) this.retransmissions++;
    this.drain();
    return trim > 0 ? 'retransmission' : 'in-order';
  }

  /**
   * The peer acknowledged every client byte before `ackSeq`: whatever of that the capture does
   * not hold is missing, so the holes before it become gaps and held segments move on.
   */
  acknowledged(ackSeq: number, tsUs: number): void {
    const ahead = this.missingBefore(ackSeq);
    if (ahead > 0) this.skipTo(this.next + ahead, tsUs);
  }

  /** How many bytes before `ackSeq` have not been delivered (0 when none, or when `ackSeq` is not believed). */
  missingBefore(ackSeq: number): number {
    if (!this.hasBase) return 0;
    const ahead = seqDiff(seqAdd(this.base, this.next), ackSeq);
    return ahead > 0 && ahead < MAX_AHEAD ? ahead : 0;
  }

  /** The stream is over (session closed or capture ended): every remaining hole is a gap. */
  finish(tsUs: number): void {
    while (this.pending !== undefined) this.skipTo(this.offsetOf(this.pending[0].seq), tsUs);
  }

  private offsetOf(seq: number): number {
    return this.next + seqDiff(seqAdd(this.base, this.next), seq);
  }

  private setBase(seq: number): void {
    this.base = seq | 0;
    this.hasBase = true;
  }

  /** Declares the bytes up to `offset` that have not arrived a gap, delivering held segments on the way. */
  private skipTo(offset: number, tsUs: number): void {
    while (this.next < offset) {
      const first = this.pending?.[0];
      const firstOffset = first === undefined ? offset : Math.min(offset, this.offsetOf(first.seq));
      if (firstOffset > this.next) this.markGap(firstOffset - this.next, tsUs);
      this.drain();
      if (first === undefined) break;
    }
  }

  private hold(
    seq: number,
    wireLength: number,
    capturedLength: number,
    payload: Buffer | undefined,
    tsUs: number,
  ): SegmentResult {
    let pending = this.pending;
    if (pending === undefined) {
      pending = [];
      this.pending = pending;
    }
    let i = pending.length;
    while (i > 0 && seqDiff(pending[i - 1].seq, seq) < 0) i--;
    const same = pending[i - 1];
    if (same !== undefined && same.seq === seq >>> 0 && same.wireLength >= wireLength) {
      this.retransmissions++;
      return 'retransmission';
    }
    const data = payload === undefined ? undefined : Buffer.from(payload);
    pending.splice(i, 0, { seq: seq >>> 0, wireLength, capturedLength, data, tsUs });
    this.pendingBytes += capturedLength;
    if (pending.length > this.limits.maxPendingSegments || this.pendingBytes > this.limits.maxPendingBytes) {
      this.skipTo(this.offsetOf(pending[0].seq), tsUs);
    }
    return 'out-of-order';
  }

  /** Delivers held segments that now start at or before the next expected byte. */
  private drain(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    while (pending.length > 0) {
      const first = pending[0];
      const start = seqDiff(seqAdd(this.base, this.next), first.seq);
      if (start > 0) return;
      pending.shift();
      this.pendingBytes -= first.capturedLength;
      if (start + first.wireLength <= 0) {
        this.retransmissions++;
        continue;
      }
      this.deliver(-start, first.wireLength, first.capturedLength, first.data, first.tsUs);
    }
    this.pending = undefined;
  }

  /** Delivers a segment that starts `trim` bytes before the next expected byte. */
  private deliver(
    trim: number,
    wireLength: number,
    capturedLength: number,
    data: Buffer | undefined,
    tsUs: number,
  ): void {
    const present = Math.max(0, capturedLength - trim);
    if (present > 0) {
      this.consumer.bytes(this.next, present, data?.subarray(trim, trim + present), tsUs);
      this.next += present;
    }
    const missing = wireLength - trim - present;
    if (missing > 0) {
      this.truncatedSegments++;
      this.markGap(missing, tsUs);
    }
  }

  private markGap(length: number, tsUs: number): void {
    this.consumer.gap(this.next, length, tsUs);
    if (this.next !== this.lastGapEnd) this.gaps++;
    this.lastGapEnd = this.next + length;
    this.gapBytes += length;
    this.next += length;
  }
}
