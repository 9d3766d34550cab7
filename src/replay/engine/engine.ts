/**
 * The raw transport's session engine: replays one captured session's client side against a real
 * TCP stack, as tcpcopy does, knowing the target only from the headers intercept saw. Sans-I/O
 * (modelled on smoltcp's socket/tcp.rs): no sockets, clocks or randomness inside.
 *
 * API: every event method takes the caller's time (µs) and returns the actions it caused, in
 * order: segments to send, the next wake-up (`timer`: call `timer()` then; each one replaces the
 * last), requests sent, responses over, and finally `done` (after which every call returns []).
 *
 *   const engine = new SessionEngine(input);
 *   run(engine.start(now));                 // SYN
 *   run(engine.feedback(now, header));      // per intercept record routed to this session
 *   run(engine.timer(now));                 // at the last `timer` action's time
 *   run(engine.requestAvailable(now)); run(engine.inputEnded(now)); run(engine.stop(now));
 *
 * Sequence numbers. Our side is kept as offsets from the connection's ISN (`iss`): 0 is the SYN,
 * 1 + k the k-th request byte released on this connection, then the FIN; the wire number is
 * iss + offset (mod 2^32). Without gaps in the capture these are the captured numbers. Bytes the
 * capture misses are not invented: the request bytes present are sent back to back.
 *
 * Choices where tcpcopy leaves room, documented once here:
 * - No captured SYN: ISN = first client data seq - 1, SYN with the MSS option only.
 * - Response over: every request byte acknowledged, at least one response byte seen when the
 *   capture had a response, then no response data or ACK progress for the quiet time (captured
 *   RTT / speed, floor `minResponseQuietUs`; `responseQuietUs` when no RTT was captured).
 * - Response data is acknowledged up to the end of the newest segment seen, holes included: the
 *   payload never reaches us anyway, and a record intercept dropped must not stall the target.
 * - ACKs: at once for PSH, FIN, a retransmission or every second segment; else within `delayedAckUs`.
 * - Sending MSS: min(target's MSS, ours) less 12 bytes when timestamps are on. We advertise
 *   window 65535 (scaled by our captured window scale): the replayer consumes instantly.
 * - Reconnect (target FIN/RST with requests left): RST the old connection if the target only
 *   closed it, then a SYN on the same port with ISN = previous highest seq + 64000; the first
 *   request not wholly acknowledged is sent again, whole. 'request-sent' is reported once per request.
 * - Ending: RST at the highest acknowledged seq (what Linux accepts, RFC 5961), and also at the
 *   highest sent seq when they differ, unless the target already reset the connection.
 * - Zero window: nothing new is sent; a probe (empty ACK at snd.una - 1) goes on the persist
 *   timer, backed off like the RTO. RTO expiry resends from snd.una (go-back-N).
 */

import { seqAdd, seqDiff, seqLe, seqLt } from '../../flow/seq.ts';
import type { CapturedSession } from '../../flow/session.ts';
import { TcpFlag, type TcpOptions } from '../../packet/view.ts';
import type { SessionOutcome } from '../../report/outcome.ts';
import { initialRtoUs, resolveEngineOptions, responseQuietUs } from './options.ts';
import { OutgoingStream, type ReleasedRequest } from './outgoing.ts';
import { ResponseWatch } from './response-watch.ts';
import { RttEstimator } from './rtt.ts';
import type {
  EngineAction,
  EngineInput,
  EngineOptions,
  EngineState,
  EngineStats,
  IgnoreReason,
  OutSegment,
  ResponseHeader,
} from './types.ts';

const DEFAULT_MSS = 1460;
/** RFC 9293: the MSS to assume when the SYN-ACK carries none. */
const DEFAULT_PEER_MSS = 536;
const TIMESTAMP_OPTION_BYTES = 12;
const RECONNECT_ISN_STEP = 64_000;
const MAX_WINDOW_FIELD = 0xffff;
/** RFC 7323: a larger shift is taken as 14. */
const MAX_WINDOW_SCALE = 14;
/** ISN for a SYN-less session with no data seq to derive one from. */
const FALLBACK_ISN = 0x52505253;

export class SessionEngine {
  readonly stats: EngineStats = {
    feedback: 0,
    ignored: {},
    synsSent: 0,
    segmentsSent: 0,
    bytesSent: 0,
    retransmissions: 0,
    rtoExpirations: 0,
    fastRetransmits: 0,
    windowProbes: 0,
    reconnects: 0,
    responseBytes: 0,
    responseHoles: 0,
  };

  private readonly options: EngineOptions;
  private readonly session: CapturedSession;
  private readonly requestOffsetsUs: readonly number[] | undefined;
  /** The options our SYNs carry (captured, or MSS only for a made-up handshake). */
  private readonly synOptions: TcpOptions;
  private readonly synWindow: number;
  /** The MSS we announce and never exceed. */
  private readonly ourMss: number;
  private readonly quietUs: number;
  private readonly rtt: RttEstimator;
  private readonly tsBase: number;

  private stateValue: EngineState = 'idle';
  private actions: EngineAction[] = [];
  /** Time of start(): request offsets and TSvals count from here. */
  private startUs = 0;
  /** No request will be appended to the session. */
  private noMoreInput: boolean;

  /** Our ISN on the current connection. */
  private iss: number;
  /** Offsets from iss: oldest unacknowledged, next to send, highest sent (above sndNxt after an RTO). */
  private sndUna = 0;
  private sndNxt = 0;
  private sndMax = 0;
  /** The target's receive window in bytes (scaled), and the seq/ack of the segment that set it. */
  private sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  /** Window scale shifts agreed in the handshake (0 unless both SYNs carried the option). */
  private sndWscale = 0;
  private rcvWscale = 0;
  /** Largest payload per segment on this connection. */
  private sendMss = DEFAULT_PEER_MSS;
  /** The target's ISN on this connection (wire seq). */
  private irs = 0;
  /** Next target byte expected: the ack every segment carries (wire seq). */
  private rcvNxt = 0;
  /** Both SYNs carried timestamps: every segment carries TSval/TSecr. */
  private timestamps = false;
  /** The target's newest TSval (our TSecr), and our last TSval (never goes back). */
  private tsRecent = 0;
  private lastTsVal: number | undefined;
  /** Offset of our FIN once sent (undefined before). */
  private finOffset: number | undefined;

  private readonly stream = new OutgoingStream();
  private readonly response = new ResponseWatch();
  /** Next request to release, and the highest one reported as sent. */
  private nextRequest = 0;
  private reportedThrough = -1;

  /** SYNs sent on this connection and when the last one went. */
  private synsThisConnection = 0;
  private synSentUs = 0;
  /** Retransmission deadline (set while data or FIN is outstanding) and consecutive expirations. */
  private rtxAtUs: number | undefined;
  private backoff = 0;
  /** Zero-window probe deadline and its backoff. */
  private persistAtUs: number | undefined;
  private persistBackoff = 0;
  /** The segment timed for an RTT sample (Karn: never a retransmitted one). */
  private timed: { end: number; sentUs: number } | undefined;
  private dupAcks = 0;
  /** An ACK must go now; response segments not yet acknowledged and the deadline for them. */
  private ackNow = false;
  private unackedSegments = 0;
  private ackAtUs: number | undefined;
  /** Last time the target moved forward (or we started waiting on it): the session timeout counts from here. */
  private lastProgressUs = 0;
  /** Last ACK progress, response data or request byte sent: the response-quiet wait counts from here. */
  private lastActivityUs = 0;
  private reconnectsUsed = 0;
  /** How the target last closed (for the outcome when reconnecting is not possible). */
  private lastClose: 'fin' | 'rst' = 'fin';
  /** Deadline of the last timer action, to emit only changes. */
  private timerUs: number | undefined;

  constructor(input: EngineInput) {
    this.options = resolveEngineOptions(input.options);
    this.session = input.session;
    this.requestOffsetsUs = input.requestOffsetsUs;
    this.noMoreInput = input.inputEnded ?? true;
    const handshake = input.session.handshake;
    const captured = handshake.syn ? (handshake.synOptions ?? {}) : {};
    this.ourMss = this.options.mss ?? captured.mss ?? DEFAULT_MSS;
    this.synOptions = handshake.syn ? synOptionsFrom(captured, this.ourMss) : { mss: this.ourMss };
    this.synWindow = Math.min(MAX_WINDOW_FIELD, handshake.synWindow ?? MAX_WINDOW_FIELD);
    this.iss = initialSeq(input.session);
    this.tsBase = input.tsBase ?? captured.tsVal ?? 1;
    this.quietUs = responseQuietUs(this.options, handshake.rttUs);
    this.rtt = new RttEstimator(
      initialRtoUs(this.options, handshake.rttUs),
      this.options.minRtoUs,
      this.options.maxRtoUs,
    );
  }

  get state(): EngineState {
    return this.stateValue;
  }

  start(nowUs: number): EngineAction[] {
    if (this.stateValue !== 'idle') return [];
    this.startUs = nowUs;
    if (this.options.onlyComplete && !this.session.handshake.syn) {
      this.end('not-replayable', 'no SYN captured (--only-complete)', false);
    } else {
      this.connect(nowUs);
    }
    return this.finish(nowUs);
  }

  feedback(nowUs: number, header: ResponseHeader): EngineAction[] {
    this.stats.feedback++;
    switch (this.stateValue) {
      case 'idle':
        this.ignore('not-started');
        return [];
      case 'done':
        this.ignore('session-over');
        return [];
      case 'awaiting-input':
        this.ignore('session-over');
        return [];
      case 'syn-sent':
        this.onSynSentFeedback(nowUs, header);
        break;
      case 'established':
      case 'fin-sent':
        this.onConnectedFeedback(nowUs, header);
        break;
    }
    return this.finish(nowUs);
  }

  timer(nowUs: number): EngineAction[] {
    if (this.stateValue === 'idle' || this.stateValue === 'done') return [];
    return this.finish(nowUs);
  }

  /** A request was appended to `session.requests`. */
  requestAvailable(nowUs: number): EngineAction[] {
    if (this.stateValue === 'awaiting-input' && this.nextRequest < this.session.requests.length) {
      this.reconnectOrGiveUp(nowUs);
    }
    if (this.stateValue === 'idle' || this.stateValue === 'done') return this.drain();
    return this.finish(nowUs);
  }

  /** No more requests will be appended. */
  inputEnded(nowUs: number): EngineAction[] {
    this.noMoreInput = true;
    if (this.stateValue === 'awaiting-input') this.end('completed', undefined, false);
    if (this.stateValue === 'idle' || this.stateValue === 'done') return this.drain();
    return this.finish(nowUs);
  }

  /** The user stopped the run: reset the target's side and end as 'stopped'. */
  stop(nowUs: number): EngineAction[] {
    if (this.stateValue === 'done') return [];
    const connected = this.stateValue !== 'idle' && this.stateValue !== 'awaiting-input';
    this.end('stopped', this.stateValue === 'idle' ? 'stopped before it started' : undefined, connected);
    return this.finish(nowUs);
  }

  // ── Feedback ────────────────────────────────────────────────────────────────────────────

  private onSynSentFeedback(nowUs: number, h: ResponseHeader): void {
    const acksSyn = (h.flags & TcpFlag.ACK) !== 0 && h.ack === seqAdd(this.iss, 1);
    if (h.flags & TcpFlag.RST) {
      if (!acksSyn) {
        this.ignore('bad-syn-ack');
        return;
      }
      const which = this.reconnectsUsed > 0 ? `reconnect ${this.reconnectsUsed}: ` : '';
      this.end('refused', `${which}the target reset the SYN (nothing listening?)`, false);
      return;
    }
    if ((h.flags & TcpFlag.SYN) === 0) {
      this.ignore('before-syn-ack');
      return;
    }
    if ((h.flags & TcpFlag.ACK) === 0) {
      this.ignore('unexpected-syn');
      return;
    }
    if (!acksSyn) {
      this.ignore('bad-syn-ack');
      return;
    }
    this.onSynAck(nowUs, h);
  }

  private onSynAck(nowUs: number, h: ResponseHeader): void {
    const ours = this.synOptions;
    const theirs = h.options;
    const scaling = ours.windowScale !== undefined && theirs.windowScale !== undefined;
    this.sndWscale = scaling ? Math.min(MAX_WINDOW_SCALE, theirs.windowScale!) : 0;
    this.rcvWscale = scaling ? ours.windowScale! : 0;
    this.timestamps = ours.tsVal !== undefined && theirs.tsVal !== undefined;
    this.tsRecent = theirs.tsVal ?? 0;
    const mss = Math.min(theirs.mss ?? DEFAULT_PEER_MSS, this.ourMss);
    this.sendMss = Math.max(1, mss - (this.timestamps ? TIMESTAMP_OPTION_BYTES : 0));
    this.irs = h.seq;
    this.rcvNxt = seqAdd(h.seq, 1);
    this.sndUna = 1;
    this.sndWnd = h.window;
    this.sndWl1 = h.seq;
    this.sndWl2 = h.ack;
    if (this.synsThisConnection === 1) this.rtt.sample(nowUs - this.synSentUs);
    this.rtxAtUs = undefined;
    this.backoff = 0;
    this.stateValue = 'established';
    this.ackNow = true;
    this.lastProgressUs = nowUs;
    this.lastActivityUs = nowUs;
  }

  private onConnectedFeedback(nowUs: number, h: ResponseHeader): void {
    if (h.flags & TcpFlag.SYN) {
      if ((h.flags & TcpFlag.ACK) !== 0 && h.seq === this.irs) {
        this.ackNow = true;
        this.ignore('duplicate-syn-ack');
        return;
      }
      this.ignore('unexpected-syn');
      return;
    }
    const receiveWindow = MAX_WINDOW_FIELD * 2 ** this.rcvWscale;
    const distance = seqDiff(this.rcvNxt, h.seq);
    if (h.flags & TcpFlag.RST) {
      if (distance < 0 || distance >= receiveWindow) {
        this.ignore('rst-out-of-window');
        return;
      }
      this.onTargetClose(nowUs, 'rst');
      return;
    }
    if ((h.flags & TcpFlag.ACK) === 0) {
      this.ignore('no-ack-flag');
      return;
    }
    if (distance >= receiveWindow || distance < -receiveWindow) {
      this.ignore('seq-out-of-window');
      return;
    }
    if (!this.onAck(nowUs, h)) return;
    if (h.options.tsVal !== undefined && seqLe(this.tsRecent, h.options.tsVal))
      this.tsRecent = h.options.tsVal;
    if (h.payloadLength > 0) this.onResponseData(nowUs, h);
    if (h.flags & TcpFlag.FIN) this.onTargetFin(nowUs, seqAdd(h.seq, h.payloadLength));
  }

  /** Processes the ACK field; false when the whole segment is to be dropped. */
  private onAck(nowUs: number, h: ResponseHeader): boolean {
    const acked = seqDiff(this.iss, h.ack);
    if (acked > this.sndMax) {
      this.ignore('ack-beyond-snd-nxt');
      return false;
    }
    if (acked < this.sndUna) {
      this.ignore('old-ack');
      return true;
    }
    const windowChanged = this.updateWindow(h);
    if (acked > this.sndUna) {
      this.onAckAdvance(nowUs, acked);
      if (this.stateValue === 'fin-sent' && this.sndUna === this.sndMax) {
        this.end('completed', undefined, true);
        return false;
      }
      return true;
    }
    const pure = h.payloadLength === 0 && (h.flags & TcpFlag.FIN) === 0;
    if (pure && !windowChanged) {
      if (this.sndMax > this.sndUna) this.onDuplicateAck(nowUs);
      else this.ignore('duplicate-ack');
    }
    return true;
  }

  /** RFC 9293's SND.WL1/WL2 rule: only a newer segment may move the window. True when it changed. */
  private updateWindow(h: ResponseHeader): boolean {
    if (!(seqLt(this.sndWl1, h.seq) || (this.sndWl1 === h.seq && seqLe(this.sndWl2, h.ack)))) return false;
    const window = h.window * 2 ** this.sndWscale;
    const changed = window !== this.sndWnd;
    this.sndWnd = window;
    this.sndWl1 = h.seq;
    this.sndWl2 = h.ack;
    return changed;
  }

  private onAckAdvance(nowUs: number, acked: number): void {
    if (this.timed !== undefined && acked >= this.timed.end) {
      this.rtt.sample(nowUs - this.timed.sentUs);
      this.timed = undefined;
    }
    this.sndUna = acked;
    if (this.sndNxt < acked) this.sndNxt = acked;
    this.stream.acknowledge(acked - 1);
    this.dupAcks = 0;
    this.backoff = 0;
    this.rtxAtUs = this.sndNxt > this.sndUna ? nowUs + this.rtt.rtoUs(0) : undefined;
    this.lastProgressUs = nowUs;
    this.lastActivityUs = nowUs;
  }

  private onDuplicateAck(nowUs: number): void {
    this.dupAcks++;
    if (this.dupAcks !== 3) return;
    this.stats.fastRetransmits++;
    this.timed = undefined;
    this.resendOldest(nowUs);
    this.rtxAtUs = nowUs + this.rtt.rtoUs(this.backoff);
  }

  private onResponseData(nowUs: number, h: ResponseHeader): void {
    const end = seqAdd(h.seq, h.payloadLength);
    if (seqLe(end, this.rcvNxt)) {
      this.ackNow = true;
      this.ignore('duplicate-response');
      return;
    }
    if (seqLt(this.rcvNxt, h.seq)) this.stats.responseHoles++;
    const bytes = seqDiff(this.rcvNxt, end);
    this.rcvNxt = end;
    this.stats.responseBytes += bytes;
    this.response.data(nowUs, bytes);
    this.lastProgressUs = nowUs;
    this.lastActivityUs = nowUs;
    this.unackedSegments++;
    if ((h.flags & TcpFlag.PSH) !== 0 || this.unackedSegments >= 2) this.ackNow = true;
  }

  private onTargetFin(nowUs: number, finSeq: number): void {
    if (seqLt(finSeq, this.rcvNxt)) {
      this.ackNow = true;
      this.ignore('duplicate-fin');
      return;
    }
    if (seqLt(this.rcvNxt, finSeq)) this.stats.responseHoles++;
    this.rcvNxt = seqAdd(finSeq, 1);
    this.ackNow = true;
    this.onTargetClose(nowUs, 'fin');
  }

  /** The target closed (FIN) or reset the connection. */
  private onTargetClose(nowUs: number, how: 'fin' | 'rst'): void {
    this.lastClose = how;
    const delivered = this.allDataAcked() && this.nextRequest >= this.session.requests.length;
    if (this.stateValue === 'fin-sent' || (delivered && this.noMoreInput)) {
      this.end('completed', undefined, how === 'fin');
      return;
    }
    if (delivered) {
      if (how === 'fin') this.sendReset();
      this.flushResponse();
      this.stateValue = 'awaiting-input';
      this.clearTimers();
      return;
    }
    if (how === 'fin') this.sendReset();
    this.nextRequest = this.stream.firstUnacknowledged(this.sndUna - 1) ?? this.nextRequest;
    this.stateValue = 'awaiting-input';
    this.reconnectOrGiveUp(nowUs);
  }

  /** From awaiting-input with requests to send: a new connection on the same port, if allowed. */
  private reconnectOrGiveUp(nowUs: number): void {
    this.flushResponse();
    if (this.reconnectsUsed >= this.options.maxReconnects) {
      const left = this.session.requests.length - this.nextRequest;
      const verb = this.lastClose === 'rst' ? 'reset' : 'closed';
      const tries = this.reconnectsUsed > 0 ? ` after ${this.reconnectsUsed} reconnect(s)` : '';
      this.end(
        this.lastClose === 'rst' ? 'reset-by-target' : 'closed-early',
        `the target ${verb} the connection with ${left} request(s) left${tries}`,
        false,
      );
      return;
    }
    this.reconnectsUsed++;
    this.stats.reconnects++;
    this.iss = seqAdd(this.iss, this.sndMax + RECONNECT_ISN_STEP);
    this.connect(nowUs);
  }

  // ── Sending ─────────────────────────────────────────────────────────────────────────────

  private connect(nowUs: number): void {
    this.stateValue = 'syn-sent';
    this.sndUna = 0;
    this.sndNxt = 1;
    this.sndMax = 1;
    this.sndWnd = 0;
    this.finOffset = undefined;
    this.stream.reset();
    this.clearTimers();
    this.timed = undefined;
    this.dupAcks = 0;
    this.backoff = 0;
    this.synsThisConnection = 0;
    this.timestamps = false;
    this.lastProgressUs = nowUs;
    this.sendSyn(nowUs);
  }

  private sendSyn(nowUs: number): void {
    this.synsThisConnection++;
    this.stats.synsSent++;
    this.synSentUs = nowUs;
    const options: TcpOptions = { ...this.synOptions };
    if (options.tsVal !== undefined) options.tsVal = this.tsVal(nowUs);
    this.emitSegment({
      seq: this.iss,
      ack: 0,
      flags: TcpFlag.SYN,
      window: this.synWindow,
      options,
      payload: EMPTY,
    });
    const rto = this.options.synRtoUs * 2 ** (this.synsThisConnection - 1);
    this.rtxAtUs = nowUs + Math.min(this.options.maxRtoUs, rto);
  }

  /** Everything that may happen at `nowUs` regardless of which event brought us here. */
  private pump(nowUs: number): void {
    if (this.stateValue === 'syn-sent') {
      if (this.rtxAtUs !== undefined && nowUs >= this.rtxAtUs) this.onSynTimeout(nowUs);
      return;
    }
    if (this.stateValue !== 'established' && this.stateValue !== 'fin-sent') return;
    if (this.waitingOnTarget() && nowUs >= this.lastProgressUs + this.options.sessionTimeoutUs) {
      const seconds = this.options.sessionTimeoutUs / 1e6;
      this.end('timed-out', `no progress from the target for ${seconds} s`, true);
      return;
    }
    if (this.rtxAtUs !== undefined && nowUs >= this.rtxAtUs) this.onRetransmitTimeout();
    if (this.persistAtUs !== undefined && nowUs >= this.persistAtUs) this.sendWindowProbe(nowUs);
    this.releaseRequests(nowUs);
    this.sendData(nowUs);
    this.sendFinIfDue(nowUs);
    this.sendAckIfDue(nowUs);
    this.armTimers(nowUs);
  }

  private onSynTimeout(nowUs: number): void {
    if (this.synsThisConnection > this.options.synRetries) {
      const n = this.synsThisConnection;
      this.end(
        'refused',
        `no SYN-ACK after ${n} SYNs (no feedback: check that the target routes the client pool through intercept)`,
        true,
      );
      return;
    }
    this.sendSyn(nowUs);
  }

  private onRetransmitTimeout(): void {
    this.stats.rtoExpirations++;
    this.backoff++;
    this.timed = undefined;
    this.sndNxt = this.sndUna;
    this.rtxAtUs = undefined;
  }

  private releaseRequests(nowUs: number): void {
    const requests = this.session.requests;
    while (this.stateValue === 'established' && this.nextRequest < requests.length) {
      if (nowUs < this.dueUs(this.nextRequest)) return;
      if (!this.options.noWait && !this.responseOver(nowUs)) return;
      const request = requests[this.nextRequest++];
      this.flushResponse();
      this.response.begin(request.index, request.responseBytes > 0);
      const released = this.stream.release(request.index, request.data);
      if (released.start === released.end) this.onRequestSent(nowUs, released);
    }
  }

  private sendData(nowUs: number): void {
    while (this.sndNxt - 1 < this.stream.end) {
      const room = this.sndUna + this.sndWnd - this.sndNxt;
      if (room <= 0) return;
      const chunk = this.stream.chunk(this.sndNxt - 1, Math.min(this.sendMss, room));
      if (chunk === undefined) return;
      const length = chunk.payload.length;
      const last = this.sndNxt - 1 + length === chunk.request.end;
      if (this.sndNxt < this.sndMax) this.stats.retransmissions++;
      else {
        if (this.timed === undefined) this.timed = { end: this.sndNxt + length, sentUs: nowUs };
        this.lastProgressUs = nowUs;
      }
      this.emitData(nowUs, this.sndNxt, chunk.payload, last);
      this.sndNxt += length;
      if (this.sndNxt > this.sndMax) this.sndMax = this.sndNxt;
      if (this.rtxAtUs === undefined) this.rtxAtUs = nowUs + this.rtt.rtoUs(this.backoff);
      if (last) this.onRequestSent(nowUs, chunk.request);
    }
  }

  private onRequestSent(nowUs: number, request: ReleasedRequest): void {
    this.lastActivityUs = nowUs;
    if (request.index <= this.reportedThrough) return;
    this.reportedThrough = request.index;
    this.actions.push({
      kind: 'request-sent',
      index: request.index,
      atUs: nowUs,
      scheduledUs: this.dueUs(request.index),
      bytes: request.data.length,
    });
  }

  private sendFinIfDue(nowUs: number): void {
    if (this.stateValue === 'fin-sent') {
      if (this.sndNxt === this.finOffset) this.emitFin(nowUs);
      return;
    }
    if (!this.noMoreInput || this.nextRequest < this.session.requests.length) return;
    if (!this.allDataAcked() || !this.responseOver(nowUs)) return;
    this.flushResponse();
    this.stateValue = 'fin-sent';
    this.finOffset = this.sndNxt;
    this.lastProgressUs = nowUs;
    this.emitFin(nowUs);
  }

  private emitFin(nowUs: number): void {
    if (this.sndNxt < this.sndMax) this.stats.retransmissions++;
    this.emitSegment(this.segment(nowUs, TcpFlag.FIN | TcpFlag.ACK, this.sndNxt, EMPTY));
    this.sndNxt++;
    if (this.sndNxt > this.sndMax) this.sndMax = this.sndNxt;
    if (this.rtxAtUs === undefined) this.rtxAtUs = nowUs + this.rtt.rtoUs(this.backoff);
  }

  /** Fast retransmit: the oldest unacknowledged segment once more, sndNxt untouched. */
  private resendOldest(nowUs: number): void {
    if (this.finOffset !== undefined && this.sndUna === this.finOffset) {
      this.stats.retransmissions++;
      this.emitSegment(this.segment(nowUs, TcpFlag.FIN | TcpFlag.ACK, this.sndUna, EMPTY));
      return;
    }
    const chunk = this.stream.chunk(this.sndUna - 1, this.sendMss);
    if (chunk === undefined) return;
    this.stats.retransmissions++;
    this.emitData(
      nowUs,
      this.sndUna,
      chunk.payload,
      this.sndUna - 1 + chunk.payload.length === chunk.request.end,
    );
  }

  private sendWindowProbe(nowUs: number): void {
    this.stats.windowProbes++;
    this.persistBackoff++;
    this.persistAtUs = nowUs + this.rtt.rtoUs(this.persistBackoff);
    this.emitSegment(this.segment(nowUs, TcpFlag.ACK, this.sndUna - 1, EMPTY));
  }

  private sendAckIfDue(nowUs: number): void {
    if (this.ackNow || (this.ackAtUs !== undefined && nowUs >= this.ackAtUs)) {
      this.emitSegment(this.segment(nowUs, TcpFlag.ACK, this.sndNxt, EMPTY));
    } else if (this.unackedSegments > 0 && this.ackAtUs === undefined) {
      this.ackAtUs = nowUs + this.options.delayedAckUs;
    }
  }

  private armTimers(nowUs: number): void {
    if (this.sndNxt === this.sndUna) this.rtxAtUs = undefined;
    const blocked = this.sndWnd === 0 && this.sndNxt === this.sndUna && this.sndNxt - 1 < this.stream.end;
    if (!blocked) {
      this.persistAtUs = undefined;
      this.persistBackoff = 0;
    } else if (this.persistAtUs === undefined) {
      this.persistAtUs = nowUs + this.rtt.rtoUs(0);
    }
  }

  /** RST at the highest acknowledged seq, and at the highest sent one if the target may be there. */
  private sendReset(): void {
    const established = this.stateValue === 'established' || this.stateValue === 'fin-sent';
    const flags = established ? TcpFlag.RST | TcpFlag.ACK : TcpFlag.RST;
    const offsets = [Math.max(1, this.sndUna)];
    if (this.sndMax > offsets[0]) offsets.push(this.sndMax);
    for (const offset of offsets) {
      this.emitSegment({
        seq: seqAdd(this.iss, offset),
        ack: established ? this.rcvNxt : 0,
        flags,
        window: 0,
        options: {},
        payload: EMPTY,
      });
    }
  }

  private emitData(nowUs: number, offset: number, payload: Buffer, last: boolean): void {
    const flags = TcpFlag.ACK | (last ? TcpFlag.PSH : 0);
    this.stats.bytesSent += payload.length;
    this.emitSegment(this.segment(nowUs, flags, offset, payload));
  }

  private segment(nowUs: number, flags: number, offset: number, payload: Buffer): OutSegment {
    const options: TcpOptions = this.timestamps ? { tsVal: this.tsVal(nowUs), tsEcr: this.tsRecent } : {};
    return {
      seq: seqAdd(this.iss, offset),
      ack: this.rcvNxt,
      flags,
      window: MAX_WINDOW_FIELD,
      options,
      payload,
    };
  }

  private emitSegment(segment: OutSegment): void {
    if (segment.flags & TcpFlag.ACK) {
      this.ackNow = false;
      this.unackedSegments = 0;
      this.ackAtUs = undefined;
    }
    this.stats.segmentsSent++;
    this.actions.push({ kind: 'send', segment });
  }

  // ── Time and bookkeeping ────────────────────────────────────────────────────────────────

  /** Milliseconds since start() on top of the base, never going back (mod 2^32). */
  private tsVal(nowUs: number): number {
    const value = seqAdd(this.tsBase, Math.floor(Math.max(0, nowUs - this.startUs) / 1000));
    if (this.lastTsVal !== undefined && seqLt(value, this.lastTsVal)) return this.lastTsVal;
    this.lastTsVal = value;
    return value;
  }

  private dueUs(index: number): number {
    const offset = this.requestOffsetsUs?.[index] ?? this.session.requests[index]?.offsetUs ?? 0;
    return this.startUs + (offset > 0 ? offset / this.options.speed : 0);
  }

  private allDataAcked(): boolean {
    return this.sndUna - 1 >= this.stream.end;
  }

  /** The latest request's response is over (see the header), or there is none to wait for. */
  private responseOver(nowUs: number): boolean {
    if (this.response.index === undefined) return true;
    return this.allDataAcked() && this.response.answered && nowUs >= this.lastActivityUs + this.quietUs;
  }

  /** The target owes us something: an ACK, window space, or an expected response. */
  private waitingOnTarget(): boolean {
    if (this.sndUna < this.sndMax || this.sndNxt - 1 < this.stream.end) return true;
    return this.response.index !== undefined && !this.response.answered;
  }

  /** The earliest time something may change; conditions already true at `nowUs` were acted on. */
  private nextDeadline(nowUs: number): number | undefined {
    let at: number | undefined;
    const consider = (t: number | undefined): void => {
      if (t !== undefined && t > nowUs && (at === undefined || t < at)) at = t;
    };
    consider(this.rtxAtUs);
    if (this.stateValue === 'syn-sent') return at;
    consider(this.persistAtUs);
    consider(this.ackAtUs);
    if (this.waitingOnTarget()) consider(this.lastProgressUs + this.options.sessionTimeoutUs);
    if (this.stateValue !== 'established') return at;
    const moreRequests = this.nextRequest < this.session.requests.length;
    if (moreRequests) consider(this.dueUs(this.nextRequest));
    const finPending = this.noMoreInput && !moreRequests;
    if ((moreRequests || finPending) && this.allDataAcked() && this.response.answered) {
      if (this.response.index !== undefined) consider(this.lastActivityUs + this.quietUs);
    }
    return at;
  }

  private finish(nowUs: number): EngineAction[] {
    this.pump(nowUs);
    if (this.stateValue !== 'done') {
      const at = this.nextDeadline(nowUs);
      if (at !== undefined && at !== this.timerUs) this.actions.push({ kind: 'timer', atUs: at });
      this.timerUs = at;
    }
    return this.drain();
  }

  private drain(): EngineAction[] {
    const out = this.actions;
    this.actions = [];
    return out;
  }

  private flushResponse(): void {
    const action = this.response.take();
    if (action !== undefined) this.actions.push(action);
  }

  private clearTimers(): void {
    this.rtxAtUs = undefined;
    this.persistAtUs = undefined;
    this.persistBackoff = 0;
    this.ackAtUs = undefined;
    this.ackNow = false;
    this.unackedSegments = 0;
  }

  private end(outcome: SessionOutcome, reason: string | undefined, reset: boolean): void {
    if (reset) this.sendReset();
    this.flushResponse();
    this.stateValue = 'done';
    this.clearTimers();
    this.actions.push(reason === undefined ? { kind: 'done', outcome } : { kind: 'done', outcome, reason });
  }

  private ignore(reason: IgnoreReason): void {
    this.stats.ignored[reason] = (this.stats.ignored[reason] ?? 0) + 1;
  }
}

const EMPTY = Buffer.alloc(0);

function initialSeq(session: CapturedSession): number {
  const { handshake } = session;
  if (handshake.syn && handshake.clientIsn !== undefined) return handshake.clientIsn >>> 0;
  if (session.clientDataSeq !== undefined) return seqAdd(session.clientDataSeq, -1);
  return FALLBACK_ISN;
}

/** The captured SYN's options with our MSS (no SACK blocks: they never belong in a SYN). */
function synOptionsFrom(captured: TcpOptions, mss: number): TcpOptions {
  const options: TcpOptions = { mss };
  if (captured.windowScale !== undefined)
    options.windowScale = Math.min(MAX_WINDOW_SCALE, captured.windowScale);
  if (captured.sackPermitted) options.sackPermitted = true;
  if (captured.tsVal !== undefined) {
    options.tsVal = captured.tsVal;
    options.tsEcr = 0;
  }
  return options;
}
