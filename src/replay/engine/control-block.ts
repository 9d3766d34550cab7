import { seqAdd, seqDiff, seqLe, seqLt } from '../../flow/seq.ts';
import type { TcpOptions } from '../../packet/view.ts';
import { OutgoingStream } from './outgoing.ts';
import type { ResponseHeader } from './types.ts';

/** RFC 9293: the MSS to assume when the SYN-ACK carries none. */
const DEFAULT_PEER_MSS = 536;
const TIMESTAMP_OPTION_BYTES = 12;
/** RFC 7323: a larger shift is taken as 14. */
export const MAX_WINDOW_SCALE = 14;
export const MAX_WINDOW_FIELD = 0xffff;

/**
 * The state of one connection (one SYN) of a replayed session: a new one per reconnect.
 *
 * Our side counts in offsets from the ISN, not wire numbers: 0 is the SYN, 1 + k the k-th byte
 * of `stream`, then the FIN. Offsets never wrap; `seq()` maps them to the wire.
 */
export class ControlBlock {
  /** Oldest unacknowledged offset. */
  sndUna = 0;
  /** Next offset to send; rewound to sndUna when the RTO expires (go-back-N). */
  sndNxt = 1;
  /** Highest offset sent: an ACK above it acknowledges nothing we sent. */
  sndMax = 1;
  /** The target's receive window in bytes (scaled), and the seq/ack of the segment that set it. */
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  /** Window scale shifts agreed in the handshake (0 unless both SYNs carried the option). */
  sndWscale = 0;
  rcvWscale = 0;
  /** Largest payload per segment: min(target's MSS, ours), less the timestamp option. */
  sendMss = DEFAULT_PEER_MSS;
  /** The target's ISN (wire seq). */
  irs = 0;
  /** Next target byte expected (wire seq): the ack of every segment we send. */
  rcvNxt = 0;
  /** Both SYNs carried timestamps: every segment carries TSval and TSecr. */
  timestamps = false;
  /** The target's newest TSval: our TSecr. */
  tsRecent = 0;
  /** Offset of our FIN once sent. */
  finOffset: number | undefined;
  /** Request bytes released on this connection. */
  readonly stream = new OutgoingStream();

  /** SYNs sent on this connection and when the last one went. */
  synsSent = 0;
  synSentUs = 0;
  /** Retransmission deadline while something is outstanding, and consecutive expirations. */
  rtxAtUs: number | undefined;
  backoff = 0;
  /** Zero-window probe deadline and its backoff. */
  persistAtUs: number | undefined;
  persistBackoff = 0;
  /** The segment timed for an RTT sample (Karn: never a retransmitted one). */
  timed: { end: number; sentUs: number } | undefined;
  dupAcks = 0;
  /** An ACK must go now; response segments not yet acknowledged and the deadline for them. */
  ackNow = false;
  unackedSegments = 0;
  ackAtUs: number | undefined;

  constructor(
    /** Our ISN (wire seq). */
    readonly iss: number,
  ) {}

  seq(offset: number): number {
    return seqAdd(this.iss, offset);
  }

  /** The offset an ACK field points at (negative or above sndMax when it is not ours). */
  offsetOf(ack: number): number {
    return seqDiff(this.iss, ack);
  }

  /** Takes the SYN-ACK's numbers and options: `ours` are what our SYN carried. */
  establish(h: ResponseHeader, ours: TcpOptions, ourMss: number): void {
    const theirs = h.options;
    const scaling = ours.windowScale !== undefined && theirs.windowScale !== undefined;
    this.sndWscale = scaling ? Math.min(MAX_WINDOW_SCALE, theirs.windowScale!) : 0;
    this.rcvWscale = scaling ? ours.windowScale! : 0;
    this.timestamps = ours.tsVal !== undefined && theirs.tsVal !== undefined;
    this.tsRecent = theirs.tsVal ?? 0;
    const mss = Math.min(theirs.mss ?? DEFAULT_PEER_MSS, ourMss);
    this.sendMss = Math.max(1, mss - (this.timestamps ? TIMESTAMP_OPTION_BYTES : 0));
    this.irs = h.seq;
    this.rcvNxt = seqAdd(h.seq, 1);
    this.sndUna = 1;
    this.sndWnd = h.window; // a SYN-ACK's window is never scaled
    this.sndWl1 = h.seq;
    this.sndWl2 = h.ack;
  }

  /** RFC 9293's SND.WL1/WL2 rule: only a newer segment may move the window. True when it changed. */
  updateWindow(h: ResponseHeader): boolean {
    if (!(seqLt(this.sndWl1, h.seq) || (this.sndWl1 === h.seq && seqLe(this.sndWl2, h.ack)))) return false;
    const window = h.window * 2 ** this.sndWscale;
    const changed = window !== this.sndWnd;
    this.sndWnd = window;
    this.sndWl1 = h.seq;
    this.sndWl2 = h.ack;
    return changed;
  }

  /** What we advertise (65535 scaled): the replayer consumes responses at once. */
  get receiveWindow(): number {
    return MAX_WINDOW_FIELD * 2 ** this.rcvWscale;
  }

  get allDataAcked(): boolean {
    return this.sndUna - 1 >= this.stream.end;
  }

  /** Released bytes not sent yet (since the last rewind). */
  get unsentData(): boolean {
    return this.sndNxt - 1 < this.stream.end;
  }

  /** Bytes the target's window still lets us send from sndNxt. */
  get sendRoom(): number {
    return this.sndUna + this.sndWnd - this.sndNxt;
  }

  noteTsVal(tsVal: number | undefined): void {
    if (tsVal !== undefined && seqLe(this.tsRecent, tsVal)) this.tsRecent = tsVal;
  }
}
