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
 * Sequence numbers: our side counts in offsets from the connection's ISN (control-block.ts); the
 * wire numbers are the captured ones when the capture has no gaps. Bytes the capture misses are
 * not invented: the request bytes present are sent back to back, and a request none of whose
 * bytes were captured is skipped (no send, no answer awaited).
 *
 * Choices where tcpcopy leaves room, documented once here:
 * - No captured SYN: ISN = first client data seq - 1, SYN with the MSS option only.
 * - Response over: every request byte acknowledged, at least one response byte seen when one is
 *   expected (the capture had one, or the request is HTTP), then no response data or ACK progress
 *   for the quiet time (captured RTT / speed, bounded). Both from ../response-quiet.ts, the socket
 *   transport's rules too. The quiet is never under two measured round trips of the replay path
 *   (four while the response is shorter than the captured one).
 * - Greeting: when the server spoke first in the capture (session.greetingBytes), the first
 *   request on each connection waits for target bytes and then the quiet time, as for a response;
 *   the greeting is no request's response. Not with --no-wait.
 * - Response data is acknowledged up to the end of the newest segment seen, holes included: the
 *   payload never reaches us anyway, and a record intercept dropped must not stall the target.
 * - ACKs: at once for PSH, FIN, a retransmission or every second segment; else within `delayedAckUs`.
 * - Sending MSS: min(target's MSS, ours) less 12 bytes when timestamps are on. We advertise
 *   window 65535 (scaled by our captured window scale): the replayer consumes instantly.
 * - Reconnect (target FIN/RST with requests left): RST the old connection if the target only
 *   closed it, then a SYN on the same port with ISN = previous highest seq + 64000; the first
 *   request not wholly acknowledged is sent again, whole. 'request-sent' is reported once per request.
 *   At most `maxReconnects` in a row: response data on a connection starts the count again.
 * - Half-close: when the captured client sent its FIN before the answer to its last request
 *   (CapturedRequest.halfClosed: it reads to the end, and the server may answer only at end of
 *   input), our FIN follows as soon as that request is acknowledged and the captured FIN's time
 *   (halfClosedAfterUs) has come, and the session stays
 *   'half-closed', receiving the response as in 'established', until the target's FIN (completed)
 *   or the response is over (then 'fin-sent', ended by the ACK of our FIN as usual). Invariant: in
 *   'half-closed' every request is released and acknowledged and finOffset is set. A half-closed
 *   request is the client's last (nothing follows a FIN), so its FIN does not wait for inputEnded.
 * - Ending: RST at the highest acknowledged seq (what Linux accepts, RFC 5961), and also at the
 *   highest sent seq when they differ, unless the target already reset the connection.
 * - A request the captured client sent in parts (CapturedRequest.parts): its first part is
 *   released when the request is, each later one at its own time (../request-parts.ts), or as
 *   the driver releases it (EngineInput.partsReleased); nothing after it (the next request, our
 *   FIN) goes before its last part. Its response starts with its first part, as for any request
 *   (a target may answer early: an HTTP 401 to a body's head), but no session timeout runs until
 *   the last part. 'request-sent' is reported once the last part went, so latency counts from
 *   the request's last byte (0 for an answer that came before).
 * - Session timeout: counts only while the target owes us something (an ACK, window space, a
 *   greeting, an expected response), from its last progress; waiting for a request's offset never times out.
 * - Zero window: nothing new is sent; a probe (empty ACK at snd.una - 1) goes on the persist
 *   timer, backed off like the RTO. RTO expiry resends from snd.una (go-back-N).
 */

import { seqAdd, seqDiff, seqLe, seqLt } from '../../flow/seq.ts';
import {
  type CapturedRequest,
  type CapturedSession,
  nextToSend,
  requestsToSend,
} from '../../flow/session.ts';
import { parseHttpRequestLine } from '../../http/request-line.ts';
import { TcpFlag, type TcpOptions } from '../../packet/view.ts';
import type { SessionOutcome } from '../../report/outcome.ts';
import { continuationOf, continuationReason } from '../continuation.ts';
import { partCount, partDelayUs, partEnd } from '../request-parts.ts';
import {
  answerExpected,
  answeredAheadWaitUs,
  bytesBeyondCaptured,
  capturedResponseEndUs,
  type IsHttp,
} from '../response-quiet.ts';
import { ControlBlock, MAX_WINDOW_FIELD, MAX_WINDOW_SCALE } from './control-block.ts';
import { initialRtoUs, resolveEngineOptions, responseQuietUs } from './options.ts';
import { type ReleasedRequest, wholeReleased } from './outgoing.ts';
import { ResponseWatch } from './response-watch.ts';
import { RttEstimator } from './rtt.ts';
import { TimestampClock } from './timestamps.ts';
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
const RECONNECT_ISN_STEP = 64_000;
/** ISN for a SYN-less session with no data seq to derive one from. */
const FALLBACK_ISN = 0x52505253;
const EMPTY = Buffer.alloc(0);

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
  /** The requests to replay (EngineInput.requests); may grow until inputEnded. */
  private readonly requests: readonly CapturedRequest[];
  private readonly requestOffsetsUs: readonly number[] | undefined;
  private readonly partDelaysUs: ReadonlyArray<readonly number[]> | undefined;
  private readonly partsReleased: readonly number[] | undefined;
  /** The options our SYNs carry (captured, or MSS only for a made-up handshake), and their window. */
  private readonly synOptions: TcpOptions;
  private readonly synWindow: number;
  /** The MSS we announce and never exceed. */
  private readonly ourMss: number;
  /** The response-quiet time from the capture (its RTT scaled by the speed); see quietUs. */
  private readonly capturedQuietUs: number;
  private readonly rtt: RttEstimator;
  private readonly tsBase: number;

  private stateValue: EngineState = 'idle';
  private actions: EngineAction[] = [];
  /** Time of start(): request offsets and TSvals count from here. */
  private startUs = 0;
  private tsClock: TimestampClock | undefined;
  /** No request will be appended to the session. */
  private noMoreInput: boolean;
  /** The current connection. */
  private tcb: ControlBlock;
  private readonly response = new ResponseWatch();
  /** Next request to release, and the highest one reported as sent. */
  private nextRequest = 0;
  /** The last request released (requests the capture holds no byte of are never released). */
  private lastReleased: CapturedRequest | undefined;
  /** The request being released on this connection, until all of it is (a request sent in parts: its last part). */
  private sendingParts: PartsInProgress | undefined;
  /** Bytes of the last response beyond its captured one: maybe the next request's answer, sent ahead. */
  private bytesAhead = 0;
  private reportedThrough = -1;
  /** Last time the target moved forward (or we started waiting on it): the session timeout counts from here. */
  private lastProgressUs = 0;
  /** Last ACK progress, response data or request byte sent: the response-quiet wait counts from here. */
  private lastActivityUs = 0;
  /**
   * The first request on this connection waits for the target's greeting when the capture had one
   * (SMTP, FTP, POP3): some bytes, then quiet, as a response. Bytes seen so far on this connection.
   */
  private greetingWait = false;
  private greetingBytes = 0;
  private reconnectsUsed = 0;
  /** How the target last closed (the outcome when reconnecting is not possible). */
  private lastClose: 'fin' | 'rst' = 'fin';
  /** Deadline of the last timer action, to emit only changes. */
  private timerUs: number | undefined;

  constructor(input: EngineInput) {
    this.options = resolveEngineOptions(input.options);
    this.session = input.session;
    this.requests = input.requests ?? input.session.requests;
    this.requestOffsetsUs = input.requestOffsetsUs;
    this.partDelaysUs = input.partDelaysUs;
    this.partsReleased = input.partsReleased;
    this.skipUncaptured();
    this.noMoreInput = input.inputEnded ?? true;
    const handshake = input.session.handshake;
    const captured = handshake.syn ? (handshake.synOptions ?? {}) : {};
    this.ourMss = this.options.mss ?? captured.mss ?? DEFAULT_MSS;
    this.synOptions = handshake.syn ? synOptionsFrom(captured, this.ourMss) : { mss: this.ourMss };
    this.synWindow = Math.min(MAX_WINDOW_FIELD, handshake.synWindow ?? MAX_WINDOW_FIELD);
    this.tcb = new ControlBlock(initialSeq(input.session));
    this.tsBase = input.tsBase ?? captured.tsVal ?? 1;
    this.capturedQuietUs = responseQuietUs(this.options, handshake.rttUs);
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
    this.tsClock = new TimestampClock(this.tsBase, nowUs);
    this.connect(nowUs, this.tcb.iss);
    return this.finish(nowUs);
  }

  feedback(nowUs: number, header: ResponseHeader): EngineAction[] {
    this.stats.feedback++;
    let ignored: IgnoreReason | undefined;
    switch (this.stateValue) {
      case 'idle':
        this.ignore('not-started');
        return [];
      case 'done':
      case 'awaiting-input':
        this.ignore('session-over');
        return [];
      case 'syn-sent':
        ignored = this.onSynSentFeedback(nowUs, header);
        break;
      case 'established':
      case 'half-closed':
      case 'fin-sent':
        ignored = this.onConnectedFeedback(nowUs, header);
        break;
    }
    if (ignored !== undefined) this.ignore(ignored);
    return this.finish(nowUs);
  }

  timer(nowUs: number): EngineAction[] {
    if (this.stateValue === 'idle' || this.stateValue === 'done') return [];
    return this.finish(nowUs);
  }

  /** A request was appended to the requests. */
  requestAvailable(nowUs: number): EngineAction[] {
    this.skipUncaptured();
    if (this.stateValue === 'awaiting-input' && this.nextRequest < this.requests.length) {
      this.reconnectOrGiveUp(nowUs);
    }
    if (this.stateValue === 'idle' || this.stateValue === 'done') return this.drain();
    return this.finish(nowUs);
  }

  /**
   * Everything released went out, was acknowledged and answered (the response is over): the
   * session waits only for the end of its input, or the captured client's close.
   */
  settled(nowUs: number): boolean {
    return (
      this.stateValue === 'established' &&
      this.sendingParts === undefined &&
      this.nextRequest >= this.requests.length &&
      this.tcb.allDataAcked &&
      this.responseOver(nowUs)
    );
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

  // ── Feedback: each handler returns why (part of) the segment was ignored, if it was ──────

  private onSynSentFeedback(nowUs: number, h: ResponseHeader): IgnoreReason | undefined {
    const acksSyn = (h.flags & TcpFlag.ACK) !== 0 && h.ack === this.tcb.seq(1);
    if (h.flags & TcpFlag.RST) {
      if (!acksSyn) return 'bad-syn-ack';
      const which = this.reconnectsUsed > 0 ? `reconnect ${this.reconnectsUsed}: ` : '';
      this.end('refused', `${which}the target reset the SYN (nothing listening?)`, false);
      return undefined;
    }
    if ((h.flags & TcpFlag.ACK) !== 0 && !acksSyn) this.resetStaleConnection(h.ack);
    if ((h.flags & TcpFlag.SYN) === 0) return 'before-syn-ack';
    if ((h.flags & TcpFlag.ACK) === 0) return 'unexpected-syn';
    if (!acksSyn) return 'bad-syn-ack';
    const tcb = this.tcb;
    tcb.establish(h, this.synOptions, this.ourMss);
    if (tcb.synsSent === 1) this.rtt.sample(nowUs - tcb.synSentUs);
    tcb.rtxAtUs = undefined;
    tcb.ackNow = true;
    this.stateValue = 'established';
    this.lastProgressUs = nowUs;
    this.lastActivityUs = nowUs;
    this.greetingWait = true;
    this.greetingBytes = 0;
    return undefined;
  }

  /**
   * An ACK that does not answer our SYN: the target still holds a connection on this tuple (an
   * earlier session or connection of ours whose final RST was lost) and answers our SYN with a
   * challenge ACK instead of a SYN-ACK. As RFC 793 has a client in SYN-SENT do, an RST at the
   * acknowledged sequence number ends that connection, and the next SYN gets its SYN-ACK.
   */
  private resetStaleConnection(ack: number): void {
    this.emitSegment({ seq: ack, ack: 0, flags: TcpFlag.RST, window: 0, options: {}, payload: EMPTY });
  }

  private onConnectedFeedback(nowUs: number, h: ResponseHeader): IgnoreReason | undefined {
    const tcb = this.tcb;
    if (h.flags & TcpFlag.SYN) {
      if ((h.flags & TcpFlag.ACK) === 0 || h.seq !== tcb.irs) return 'unexpected-syn';
      tcb.ackNow = true;
      return 'duplicate-syn-ack';
    }
    const distance = seqDiff(tcb.rcvNxt, h.seq);
    if (h.flags & TcpFlag.RST) {
      if (distance < 0 || distance >= tcb.receiveWindow) return 'rst-out-of-window';
      this.onTargetClose(nowUs, 'rst');
      return undefined;
    }
    if ((h.flags & TcpFlag.ACK) === 0) return 'no-ack-flag';
    if (distance >= tcb.receiveWindow || distance < -tcb.receiveWindow) return 'seq-out-of-window';
    const acked = tcb.offsetOf(h.ack);
    if (acked > tcb.sndMax) return 'ack-beyond-snd-nxt';
    let finAcked = false;
    if (acked < tcb.sndUna) this.ignore('old-ack');
    else finAcked = this.onAck(nowUs, h, acked);
    tcb.noteTsVal(h.options.tsVal);
    // The segment that acknowledges our FIN may carry the rest of the answer (held back by
    // Nagle's algorithm until then): its bytes count before the session ends.
    if (h.payloadLength > 0) {
      const ignored = this.onResponseData(nowUs, h);
      if (ignored !== undefined) this.ignore(ignored);
    }
    const finIgnored =
      h.flags & TcpFlag.FIN ? this.onTargetFin(nowUs, seqAdd(h.seq, h.payloadLength)) : undefined;
    if (finAcked && this.stateValue !== 'done') this.end('completed', undefined, true);
    return finIgnored;
  }

  /** An ACK field between snd.una and snd.max; true when it acknowledged our FIN (the caller ends the session). */
  private onAck(nowUs: number, h: ResponseHeader, acked: number): boolean {
    const tcb = this.tcb;
    const windowChanged = tcb.updateWindow(h);
    if (acked > tcb.sndUna) {
      this.onAckAdvance(nowUs, acked);
      return this.stateValue === 'fin-sent' && tcb.sndUna === tcb.sndMax;
    }
    const pure = h.payloadLength === 0 && (h.flags & TcpFlag.FIN) === 0;
    if (!pure || windowChanged) return false;
    if (tcb.sndMax > tcb.sndUna) this.onDuplicateAck(nowUs);
    else this.ignore('duplicate-ack');
    return false;
  }

  private onAckAdvance(nowUs: number, acked: number): void {
    const tcb = this.tcb;
    if (tcb.timed !== undefined && acked >= tcb.timed.end) {
      this.rtt.sample(nowUs - tcb.timed.sentUs);
      tcb.timed = undefined;
    }
    tcb.sndUna = acked;
    if (tcb.sndNxt < acked) tcb.sndNxt = acked;
    tcb.stream.acknowledge(acked - 1);
    tcb.dupAcks = 0;
    tcb.backoff = 0;
    tcb.rtxAtUs = tcb.sndNxt > tcb.sndUna ? nowUs + this.rtt.rtoUs(0) : undefined;
    this.lastProgressUs = nowUs;
    this.lastActivityUs = nowUs;
  }

  private onDuplicateAck(nowUs: number): void {
    const tcb = this.tcb;
    tcb.dupAcks++;
    if (tcb.dupAcks !== 3) return;
    this.stats.fastRetransmits++;
    tcb.timed = undefined;
    this.resendOldest(nowUs);
    tcb.rtxAtUs = nowUs + this.rtt.rtoUs(tcb.backoff);
  }

  private onResponseData(nowUs: number, h: ResponseHeader): IgnoreReason | undefined {
    const tcb = this.tcb;
    const end = seqAdd(h.seq, h.payloadLength);
    if (seqLe(end, tcb.rcvNxt)) {
      tcb.ackNow = true;
      return 'duplicate-response';
    }
    if (seqLt(tcb.rcvNxt, h.seq)) this.stats.responseHoles++;
    const bytes = seqDiff(tcb.rcvNxt, end);
    tcb.rcvNxt = end;
    this.stats.responseBytes += bytes;
    this.response.data(nowUs, bytes);
    if (this.greetingWait) this.greetingBytes += bytes;
    // An answer to a request on this connection, not a greeting, earns the next reconnect.
    if (this.response.index !== undefined) this.reconnectsUsed = 0;
    this.lastProgressUs = nowUs;
    this.lastActivityUs = nowUs;
    tcb.unackedSegments++;
    if ((h.flags & TcpFlag.PSH) !== 0 || tcb.unackedSegments >= 2) tcb.ackNow = true;
    return undefined;
  }

  private onTargetFin(nowUs: number, finSeq: number): IgnoreReason | undefined {
    const tcb = this.tcb;
    tcb.ackNow = true;
    if (seqLt(finSeq, tcb.rcvNxt)) return 'duplicate-fin';
    if (seqLt(tcb.rcvNxt, finSeq)) this.stats.responseHoles++;
    tcb.rcvNxt = seqAdd(finSeq, 1);
    this.onTargetClose(nowUs, 'fin');
    return undefined;
  }

  /** The target closed (FIN) or reset the connection. */
  private onTargetClose(nowUs: number, how: 'fin' | 'rst'): void {
    this.lastClose = how;
    const sending = this.sendingParts;
    if (sending && this.response.index === sending.request.index && this.response.bytes > 0) {
      // Answered before its last part, then closed (a 413 to a body's head): the rest cannot go,
      // and the request is not sent again. It went as far as it did.
      const { released } = sending;
      this.sendingParts = undefined;
      released.data = released.data.subarray(0, released.end - released.start);
      this.onRequestSent(nowUs, released);
    }
    const delivered =
      this.tcb.allDataAcked && this.nextRequest >= this.requests.length && this.sendingParts === undefined;
    const response = this.response;
    // Our FIN after a halfClosed last request waits for its captured time: the target closing
    // first ends the exchange as it would after the FIN.
    const halfClosing = this.stateValue === 'half-closed' || (delivered && this.halfClosePending());
    if (halfClosing && response.index !== undefined && !response.answered) {
      // The target closed on our half-close without the answer the captured client read after it.
      const outcome = how === 'rst' ? 'reset-by-target' : 'closed-early';
      const verb = how === 'rst' ? 'reset' : 'closed';
      this.end(
        outcome,
        `the target ${verb} the connection without answering request ${response.index}`,
        how === 'fin',
      );
      return;
    }
    const closing = this.stateValue === 'fin-sent' || halfClosing;
    if (closing || (delivered && this.noMoreInput)) {
      this.end('completed', undefined, how === 'fin');
      return;
    }
    if (how === 'fin') this.sendReset();
    this.flushResponse();
    if (!delivered)
      this.nextRequest = this.tcb.stream.firstUnacknowledged(this.tcb.sndUna - 1) ?? this.nextRequest;
    this.stateValue = 'awaiting-input';
    if (!delivered) this.reconnectOrGiveUp(nowUs);
  }

  /** From awaiting-input with requests to send: a new connection on the same port, if allowed. */
  private reconnectOrGiveUp(nowUs: number): void {
    this.flushResponse();
    const verb = this.lastClose === 'rst' ? 'reset' : 'closed';
    const outcome = this.lastClose === 'rst' ? 'reset-by-target' : 'closed-early';
    const continues = continuationOf(this.requests, this.nextRequest);
    if (continues !== undefined) {
      this.end(
        outcome,
        `the target ${verb} the connection ${continuationReason(continues, this.nextRequest)}`,
        false,
      );
      return;
    }
    if (this.reconnectsUsed >= this.options.maxReconnects) {
      const left = requestsToSend(this.requests, this.nextRequest);
      const tries = this.reconnectsUsed > 0 ? ` after ${this.reconnectsUsed} reconnect(s)` : '';
      this.end(outcome, `the target ${verb} the connection with ${left} request(s) left${tries}`, false);
      return;
    }
    this.reconnectsUsed++;
    this.stats.reconnects++;
    this.connect(nowUs, this.tcb.seq(this.tcb.sndMax + RECONNECT_ISN_STEP));
  }

  // ── Sending ─────────────────────────────────────────────────────────────────────────────

  private connect(nowUs: number, iss: number): void {
    this.stateValue = 'syn-sent';
    this.tcb = new ControlBlock(iss);
    this.sendingParts = undefined;
    this.lastProgressUs = nowUs;
    this.sendSyn(nowUs);
  }

  private sendSyn(nowUs: number): void {
    const tcb = this.tcb;
    tcb.synsSent++;
    tcb.synSentUs = nowUs;
    this.stats.synsSent++;
    const options: TcpOptions = { ...this.synOptions };
    if (options.tsVal !== undefined) options.tsVal = this.tsVal(nowUs);
    const syn = { seq: tcb.iss, ack: 0, flags: TcpFlag.SYN, window: this.synWindow, options, payload: EMPTY };
    this.emitSegment(syn);
    const rto = this.options.synRtoUs * 2 ** (tcb.synsSent - 1);
    tcb.rtxAtUs = nowUs + Math.min(this.options.maxRtoUs, rto);
  }

  /** Everything that may happen at `nowUs` regardless of which event brought us here. */
  private pump(nowUs: number): void {
    const tcb = this.tcb;
    if (this.stateValue === 'syn-sent') {
      if (tcb.rtxAtUs !== undefined && nowUs >= tcb.rtxAtUs) this.onSynTimeout(nowUs);
      return;
    }
    if (!this.connected) return;
    if (this.waitingOnTarget() && nowUs >= this.lastProgressUs + this.options.sessionTimeoutUs) {
      const seconds = this.options.sessionTimeoutUs / 1e6;
      this.end('timed-out', `no progress from the target for ${seconds} s`, true);
      return;
    }
    if (tcb.rtxAtUs !== undefined && nowUs >= tcb.rtxAtUs) this.onRetransmitTimeout();
    if (tcb.persistAtUs !== undefined && nowUs >= tcb.persistAtUs) this.sendWindowProbe(nowUs);
    this.response.checkAhead(nowUs);
    this.releaseRequests(nowUs);
    this.sendData(nowUs);
    this.sendFinIfDue(nowUs);
    this.sendAckIfDue(nowUs);
    this.armTimers(nowUs);
  }

  private onSynTimeout(nowUs: number): void {
    const syns = this.tcb.synsSent;
    if (syns <= this.options.synRetries) {
      this.sendSyn(nowUs);
      return;
    }
    const hint = 'no feedback: check that the target routes the client pool through intercept';
    this.end('refused', `no SYN-ACK after ${syns} SYNs (${hint})`, true);
  }

  private onRetransmitTimeout(): void {
    const tcb = this.tcb;
    this.stats.rtoExpirations++;
    tcb.backoff++;
    tcb.timed = undefined;
    tcb.sndNxt = tcb.sndUna;
    tcb.rtxAtUs = undefined;
  }

  private releaseRequests(nowUs: number): void {
    const requests = this.requests;
    while (this.stateValue === 'established' && this.releaseParts(nowUs)) {
      this.skipUncaptured();
      if (this.nextRequest >= requests.length) return;
      if (nowUs < this.dueUs(this.nextRequest)) return;
      if (this.greetingWait) {
        if (!this.greetingOver(nowUs)) return;
        this.greetingWait = false;
      }
      if (!this.options.noWait && !this.responseOver(nowUs)) return;
      const request = requests[this.nextRequest++];
      this.lastReleased = request;
      this.flushResponse();
      const aheadWaitUs = this.options.noWait
        ? undefined
        : answeredAheadWaitUs(request, isHttpOf(request), this.bytesAhead, this.options.responseQuiet);
      this.response.begin(
        request.index,
        answerExpected(request, () => parseHttpRequestLine(request.data)),
        aheadWaitUs,
      );
      const released = this.tcb.stream.release(request.index, request.data, partEnd(request, 0));
      this.sendingParts = { request, released, next: 1 };
    }
  }

  /**
   * Releases the parts of the request being released whose time has come (all of it, for a
   * request sent at once); true once it is whole.
   */
  private releaseParts(nowUs: number): boolean {
    const sending = this.sendingParts;
    if (sending === undefined) return true;
    const { request, released } = sending;
    const parts = partCount(request);
    while (sending.next < parts && this.partDue(sending, nowUs)) sending.next++;
    if (sending.next > 1) this.tcb.stream.extend(released, partEnd(request, sending.next - 1));
    if (sending.next < parts) return false;
    this.sendingParts = undefined;
    // Nothing of it left to send (an empty request, a last part that adds no byte): sendData will not report it.
    if (released.start === released.end || released.end <= this.tcb.sndMax - 1)
      this.onRequestSent(nowUs, released);
    return true;
  }

  /** Whether part `sending.next` may go: the driver released it, or (when it does not pace parts) its time came. */
  private partDue(sending: PartsInProgress, nowUs: number): boolean {
    const released = this.partsReleased?.[sending.request.index];
    if (released !== undefined) return sending.next < released;
    return nowUs >= this.partDueUs(sending.request, sending.next);
  }

  /** When part `part` of the request is due on the engine's clock: its delay after the request's time. */
  private partDueUs(request: CapturedRequest, part: number): number {
    const delayUs = partDelayUs(request, this.partDelaysUs?.[request.index], part);
    return this.dueUs(request.index) + delayUs / this.options.speed;
  }

  /**
   * Moves past requests the capture holds no byte of (isUncaptured): nothing to send, no answer
   * to wait for. Called wherever requests grow or one is released, so that `nextRequest` never
   * rests on one and "requests left" means requests to send.
   */
  private skipUncaptured(): void {
    this.nextRequest = nextToSend(this.requests, this.nextRequest);
  }

  private sendData(nowUs: number): void {
    const tcb = this.tcb;
    while (tcb.unsentData && tcb.sendRoom > 0) {
      const chunk = tcb.stream.chunk(tcb.sndNxt - 1, Math.min(tcb.sendMss, tcb.sendRoom));
      if (chunk === undefined) return;
      const length = chunk.payload.length;
      const last = tcb.sndNxt - 1 + length === chunk.request.end;
      if (tcb.sndNxt < tcb.sndMax) this.stats.retransmissions++;
      else {
        tcb.timed ??= { end: tcb.sndNxt + length, sentUs: nowUs };
        this.lastProgressUs = nowUs;
      }
      this.emitData(nowUs, tcb.sndNxt, chunk.payload, last);
      tcb.sndNxt += length;
      tcb.sndMax = Math.max(tcb.sndMax, tcb.sndNxt);
      tcb.rtxAtUs ??= nowUs + this.rtt.rtoUs(tcb.backoff);
      if (last && wholeReleased(chunk.request)) this.onRequestSent(nowUs, chunk.request);
    }
  }

  private onRequestSent(nowUs: number, request: ReleasedRequest): void {
    this.lastActivityUs = nowUs;
    if (request.index <= this.reportedThrough) return;
    this.reportedThrough = request.index;
    if (this.response.index === request.index) this.response.sentUs = nowUs;
    const { index } = request;
    const bytes = request.data.length;
    const captured = this.requests[index];
    const scheduledUs = captured ? this.partDueUs(captured, partCount(captured) - 1) : this.dueUs(index);
    this.actions.push({ kind: 'request-sent', index, atUs: nowUs, scheduledUs, bytes });
  }

  private sendFinIfDue(nowUs: number): void {
    const tcb = this.tcb;
    if (this.stateValue === 'established') this.closeIfDue(nowUs);
    else if (tcb.sndNxt === tcb.finOffset) this.emitFin(nowUs);
    if (this.stateValue === 'half-closed' && this.responseOver(nowUs)) this.closeAfterHalfClose();
  }

  /**
   * Our FIN, once every request is acknowledged: right away after a half-closed last request
   * (its response comes after), else when no request can follow and the last response is over.
   */
  private closeIfDue(nowUs: number): void {
    const tcb = this.tcb;
    if (this.nextRequest < this.requests.length || this.sendingParts || !tcb.allDataAcked) return;
    const halfClose = this.lastReleased?.halfClosed === true;
    if (halfClose && !this.halfCloseDue(nowUs)) return;
    if (!halfClose) {
      if (!this.noMoreInput || !this.responseOver(nowUs)) return;
      this.flushResponse();
    }
    this.stateValue = halfClose ? 'half-closed' : 'fin-sent';
    tcb.finOffset = tcb.sndNxt;
    this.lastProgressUs = nowUs;
    this.emitFin(nowUs);
  }

  /**
   * Whether the captured client's close after the halfClosed last request has come: the driver
   * released it (one past the request's parts in EngineInput.partsReleased), or its time did.
   */
  private halfCloseDue(nowUs: number): boolean {
    const request = this.lastReleased;
    if (request === undefined) return true;
    const released = this.partsReleased?.[request.index];
    if (released !== undefined) return released > partCount(request);
    return nowUs >= this.halfCloseDueUs(request);
  }

  /** When the captured client half-closed after `request`, on the engine's clock. */
  private halfCloseDueUs(request: CapturedRequest): number {
    return this.dueUs(request.index) + (request.halfClosedAfterUs ?? 0) / this.options.speed;
  }

  /** The response after our half-close is over: the session ends as any other, on the ACK of our FIN. */
  private closeAfterHalfClose(): void {
    this.flushResponse();
    this.stateValue = 'fin-sent';
    if (this.tcb.sndUna === this.tcb.sndMax) this.end('completed', undefined, true);
  }

  private emitFin(nowUs: number): void {
    const tcb = this.tcb;
    if (tcb.sndNxt < tcb.sndMax) this.stats.retransmissions++;
    this.emitSegment(this.segment(nowUs, TcpFlag.FIN | TcpFlag.ACK, tcb.sndNxt, EMPTY));
    tcb.sndNxt++;
    tcb.sndMax = Math.max(tcb.sndMax, tcb.sndNxt);
    tcb.rtxAtUs ??= nowUs + this.rtt.rtoUs(tcb.backoff);
  }

  /** Fast retransmit: the oldest unacknowledged segment once more, sndNxt untouched. */
  private resendOldest(nowUs: number): void {
    const tcb = this.tcb;
    this.stats.retransmissions++;
    if (tcb.sndUna === tcb.finOffset) {
      this.emitSegment(this.segment(nowUs, TcpFlag.FIN | TcpFlag.ACK, tcb.sndUna, EMPTY));
      return;
    }
    const chunk = tcb.stream.chunk(tcb.sndUna - 1, tcb.sendMss);
    if (chunk === undefined) return;
    const last = tcb.sndUna - 1 + chunk.payload.length === chunk.request.end;
    this.emitData(nowUs, tcb.sndUna, chunk.payload, last);
  }

  /** Linux's zero-window probe: an empty segment at snd.una - 1, which the target must answer. */
  private sendWindowProbe(nowUs: number): void {
    const tcb = this.tcb;
    this.stats.windowProbes++;
    tcb.persistBackoff++;
    tcb.persistAtUs = nowUs + this.rtt.rtoUs(tcb.persistBackoff);
    this.emitSegment(this.segment(nowUs, TcpFlag.ACK, tcb.sndUna - 1, EMPTY));
  }

  private sendAckIfDue(nowUs: number): void {
    const tcb = this.tcb;
    if (tcb.ackNow || (tcb.ackAtUs !== undefined && nowUs >= tcb.ackAtUs)) {
      this.emitSegment(this.segment(nowUs, TcpFlag.ACK, tcb.sndNxt, EMPTY));
    } else if (tcb.unackedSegments > 0) {
      tcb.ackAtUs ??= nowUs + this.options.delayedAckUs;
    }
  }

  private armTimers(nowUs: number): void {
    const tcb = this.tcb;
    if (tcb.sndNxt === tcb.sndUna) tcb.rtxAtUs = undefined;
    const blocked = tcb.sndWnd === 0 && tcb.sndNxt === tcb.sndUna && tcb.unsentData;
    if (blocked) {
      tcb.persistAtUs ??= nowUs + this.rtt.rtoUs(0);
    } else {
      tcb.persistAtUs = undefined;
      tcb.persistBackoff = 0;
    }
  }

  /** RST at the highest acknowledged seq, and at the highest sent one if the target may be there. */
  private sendReset(): void {
    const tcb = this.tcb;
    const established = this.connected;
    const flags = established ? TcpFlag.RST | TcpFlag.ACK : TcpFlag.RST;
    const ack = established ? tcb.rcvNxt : 0;
    const offsets = [Math.max(1, tcb.sndUna)];
    if (tcb.sndMax > offsets[0]) offsets.push(tcb.sndMax);
    for (const offset of offsets) {
      this.emitSegment({ seq: tcb.seq(offset), ack, flags, window: 0, options: {}, payload: EMPTY });
    }
  }

  private emitData(nowUs: number, offset: number, payload: Buffer, last: boolean): void {
    const flags = TcpFlag.ACK | (last ? TcpFlag.PSH : 0);
    this.stats.bytesSent += payload.length;
    this.emitSegment(this.segment(nowUs, flags, offset, payload));
  }

  private segment(nowUs: number, flags: number, offset: number, payload: Buffer): OutSegment {
    const tcb = this.tcb;
    const options: TcpOptions = tcb.timestamps ? { tsVal: this.tsVal(nowUs), tsEcr: tcb.tsRecent } : {};
    return { seq: tcb.seq(offset), ack: tcb.rcvNxt, flags, window: MAX_WINDOW_FIELD, options, payload };
  }

  private emitSegment(segment: OutSegment): void {
    if (segment.flags & TcpFlag.ACK) {
      const tcb = this.tcb;
      tcb.ackNow = false;
      tcb.unackedSegments = 0;
      tcb.ackAtUs = undefined;
    }
    this.stats.segmentsSent++;
    this.actions.push({ kind: 'send', segment });
  }

  // ── Time and bookkeeping ────────────────────────────────────────────────────────────────

  private tsVal(nowUs: number): number {
    return this.tsClock!.valueAt(nowUs);
  }

  private dueUs(index: number): number {
    const offset = this.requestOffsetsUs?.[index] ?? this.requests[index]?.offsetUs ?? 0;
    return this.startUs + (offset > 0 ? offset / this.options.speed : 0);
  }

  /** The latest request's response is over (see the header), or there is none to wait for. */
  private responseOver(nowUs: number): boolean {
    if (this.response.index === undefined) return true;
    return this.tcb.allDataAcked && this.response.answered && nowUs >= this.responseEndUs();
  }

  /**
   * When the response to the latest request may be over: after the quiet that follows its last
   * activity and, while it is shorter than the captured one, no sooner than that one ended
   * (capturedResponseEndUs): a response that pauses mid-way (git's after "Enumerating objects")
   * is not over at the pause.
   */
  private responseEndUs(): number {
    const quietEndUs = this.lastActivityUs + this.quietUs;
    const { index, sentUs, bytes, answeredAhead } = this.response;
    const captured = index === undefined ? undefined : this.requests[index];
    if (captured === undefined || sentUs === undefined || bytes >= captured.responseBytes || answeredAhead)
      return quietEndUs;
    const endUs = capturedResponseEndUs(captured, this.options.responseQuiet, isHttpOf(captured));
    return Math.max(quietEndUs, sentUs + endUs);
  }

  /**
   * How long the target must stay silent for its response to be over: the captured quiet, but at
   * least two round trips of the replay path as measured (via intercept, often slower than the
   * captured one), four while fewer bytes came than the capture's response had: a response larger
   * than the target's congestion window pauses one path RTT (plus the feedback's jitter) for our
   * ACKs, and that pause is not its end.
   */
  private get quietUs(): number {
    const pathRttUs = this.rtt.minUs;
    if (pathRttUs === undefined) return this.capturedQuietUs;
    const index = this.response.index;
    const short = index !== undefined && this.response.bytes < (this.requests[index]?.responseBytes ?? 0);
    const pathQuietUs = (short ? 4 : 2) * pathRttUs;
    return Math.max(this.capturedQuietUs, Math.min(this.options.responseQuiet.maxUs, pathQuietUs));
  }

  private get greetingExpected(): boolean {
    return !this.options.noWait && this.session.greetingBytes > 0;
  }

  private greetingOver(nowUs: number): boolean {
    if (!this.greetingExpected) return true;
    return this.greetingBytes > 0 && nowUs >= this.lastActivityUs + this.quietUs;
  }

  /** A connection is up (handshake done, not closed by the target). */
  private get connected(): boolean {
    const state = this.stateValue;
    return state === 'established' || state === 'half-closed' || state === 'fin-sent';
  }

  /** The target owes us something: an ACK, window space, a greeting or an expected response. */
  private waitingOnTarget(): boolean {
    const tcb = this.tcb;
    if (tcb.sndUna < tcb.sndMax || tcb.unsentData) return true;
    const requestReady = this.nextRequest < this.requests.length;
    if (this.greetingWait && this.greetingBytes === 0 && requestReady && this.greetingExpected) return true;
    // Between the parts of a request, the target owes no answer yet; nor before our delayed FIN
    // after a halfClosed one (the captured answer came after the client's FIN).
    if (this.sendingParts !== undefined || this.halfClosePending()) return false;
    return this.response.index !== undefined && !this.response.answered;
  }

  /**
   * The halfClosed last request went whole and our FIN after it has not gone yet (it waits for
   * its captured time, halfCloseDue, or for the request's ACK): still 'established'.
   */
  private halfClosePending(): boolean {
    return (
      this.stateValue === 'established' &&
      this.lastReleased?.halfClosed === true &&
      this.nextRequest >= this.requests.length &&
      this.sendingParts === undefined &&
      this.tcb.finOffset === undefined
    );
  }

  /** The earliest time something may change; conditions already true at `nowUs` were acted on. */
  private nextDeadline(nowUs: number): number | undefined {
    const tcb = this.tcb;
    if (this.stateValue === 'awaiting-input') return undefined;
    let at = later(undefined, tcb.rtxAtUs, nowUs);
    if (this.stateValue === 'syn-sent') return at;
    at = later(at, tcb.persistAtUs, nowUs);
    at = later(at, tcb.ackAtUs, nowUs);
    if (this.waitingOnTarget()) at = later(at, this.lastProgressUs + this.options.sessionTimeoutUs, nowUs);
    const halfClosed = this.stateValue === 'half-closed';
    if (this.stateValue !== 'established' && !halfClosed) return at;
    const sending = this.sendingParts;
    if (sending && !this.partsReleased) at = later(at, this.partDueUs(sending.request, sending.next), nowUs);
    const last = this.lastReleased;
    if (last && !this.partsReleased && this.halfClosePending())
      at = later(at, this.halfCloseDueUs(last), nowUs);
    const moreRequests = this.nextRequest < this.requests.length;
    if (moreRequests) at = later(at, this.dueUs(this.nextRequest), nowUs);
    const mayEnd = moreRequests || this.noMoreInput || halfClosed;
    if (mayEnd && this.response.index !== undefined && tcb.allDataAcked && this.response.answered) {
      at = later(at, this.responseEndUs(), nowUs);
    }
    at = later(at, this.response.aheadDueUs, nowUs);
    if (moreRequests && this.greetingWait && this.greetingBytes > 0) {
      at = later(at, this.lastActivityUs + this.quietUs, nowUs);
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
    const { index, bytes } = this.response;
    const captured = index === undefined ? undefined : this.requests[index];
    this.bytesAhead = captured === undefined ? 0 : bytesBeyondCaptured(captured, isHttpOf(captured), bytes);
    const action = this.response.take();
    if (action !== undefined) this.actions.push(action);
  }

  private end(outcome: SessionOutcome, reason: string | undefined, reset: boolean): void {
    if (reset) this.sendReset();
    this.flushResponse();
    this.stateValue = 'done';
    this.actions.push(reason === undefined ? { kind: 'done', outcome } : { kind: 'done', outcome, reason });
  }

  private ignore(reason: IgnoreReason): void {
    this.stats.ignored[reason] = (this.stats.ignored[reason] ?? 0) + 1;
  }
}

/** The request being released, up to (not including) part `next`. */
interface PartsInProgress {
  request: CapturedRequest;
  released: ReleasedRequest;
  next: number;
}

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

/** The earliest deadline so far, `at`, or `t` if it is earlier and still to come after `nowUs`. */
function later(at: number | undefined, t: number | undefined, nowUs: number): number | undefined {
  return t !== undefined && t > nowUs && (at === undefined || t < at) ? t : at;
}

function isHttpOf(request: CapturedRequest): IsHttp {
  return () => parseHttpRequestLine(request.data) !== undefined;
}
