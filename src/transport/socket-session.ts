/**
 * The socket transport: one captured session replayed over one kernel TCP connection.
 *
 * A request goes out when all of these hold: it has been read from the capture, the connection
 * is open, the previous response is over (unless --no-wait), and the replay clock has reached
 * the request's captured offset. A request the capture holds no byte of is skipped. A target
 * that spoke first in the capture (an SMTP, FTP or POP3 greeting) is let finish its greeting
 * before the first request, as a response is. A response is over when its HTTP framing says so
 * or, for other protocols, when no new byte arrived for about one captured RTT (scaled by the
 * speed).
 * A request the captured client sent in parts, pausing between them, is written in the same parts,
 * each at its own time on the replay clock (../replay/request-parts.ts); nothing else goes, and no
 * session timeout runs, until its last part has (an answer may come earlier: a 401 to a body's
 * head). Latency is measured from the moment a request's last byte was written to its first and
 * last response byte. The session ends with exactly one outcome.
 *
 * When the target closes or resets the connection with requests left (an idle keep-alive timeout,
 * a request limit), the session reconnects as a client would, and a request that got no response
 * byte goes again first (its latency counts from this new send; `sentMs` in the report says when). At most `maxReconnects`
 * reconnects in a row without a response in between; then the session ends closed-early or
 * reset-by-target. So does a connection lost in the middle of an HTTP response whose framing says
 * more is due: the target broke that response.
 */

import net from 'node:net';
import { nextToSend, requestsToSend } from '../flow/session.ts';
import { pipelinedRequests } from '../http/pipelined.ts';
import { parseHttpRequestLine } from '../http/request-line.ts';
import { type FramingState, HttpResponseFraming } from '../http/response-framing.ts';
import { continuationOf, continuationReason } from '../replay/continuation.ts';
import type { SessionEnv } from '../replay/observer.ts';
import { MAX_RECONNECTS, SESSION_TIMEOUT_S } from '../replay/option-defaults.ts';
import { endpointText, type PlannedSession, type SessionDriver } from '../replay/plan.ts';
import { halfCloseDueUs, partBytes, partCount, partDueUs } from '../replay/request-parts.ts';
import {
  answerExpected,
  answeredAheadWaitUs,
  bytesBeyondCaptured,
  capturedResponseEndUs,
  RESPONSE_QUIET,
  type ResponseQuiet,
  responseQuietUs,
  unansweredInCapture,
} from '../replay/response-quiet.ts';
import { capturedCloseUs, WakeUp } from '../replay/wake-up.ts';
import type { AnsweredRequest, SentRequest, SessionEnd } from '../report/metrics.ts';
import type { SessionOutcome } from '../report/outcome.ts';
import { timerDelayMs } from '../util/timer-delay.ts';

export interface SocketSessionOptions {
  /** Do not wait for a response before sending the next request (tcpcopy -W). */
  noWait: boolean;
  /** Give up when the target has not answered (connect or response) for this long. */
  sessionTimeoutMs: number;
  /** When a response that is not HTTP-framed counts as over (../replay/response-quiet.ts). */
  responseQuiet: Readonly<ResponseQuiet>;
  /** How long to wait for the target's FIN after ours before the socket is destroyed. */
  closeGraceMs: number;
  /** Reconnects in a row without a response in between, before the session gives up. */
  maxReconnects: number;
}

export const defaultSocketSessionOptions: SocketSessionOptions = {
  noWait: false,
  sessionTimeoutMs: SESSION_TIMEOUT_S * 1000,
  responseQuiet: RESPONSE_QUIET,
  closeGraceMs: 2_000,
  maxReconnects: MAX_RECONNECTS,
};

/**
 * A final HTTP response whose head came and whose framing (Content-Length, chunked) says more body
 * is due, or a head that came in part: it is over when the framing says so, however long the
 * target pauses, not after a quiet. An interim 100 Continue is not: the final response waits for
 * the request body.
 */
function httpResponsePending(flight: InFlight): boolean {
  if (flight.framingState !== 'incomplete') return false;
  const framing = flight.framing;
  const status = framing.statusCode;
  return framing.inHead || framing.inBody || framing.awaitingFinal || (status !== undefined && status >= 200);
}

/** An HTTP response with no final status yet: nothing, or an interim 100 Continue, came. */
function awaitingFinalHttp(flight: InFlight): boolean {
  return flight.framingState === 'incomplete' && flight.framing.statusCode === undefined;
}

interface InFlight {
  /** Reported to the observer once its last part went, or its answer came, whichever was first. */
  sent: SentRequest;
  reported: boolean;
  framing: HttpResponseFraming;
  /** What the framing said after the latest response byte. */
  framingState: FramingState;
  complete: boolean;
  responseBytes: number;
  /** When its first and last response byte came (ms since the run started). */
  firstByteAtMs: number | undefined;
  lastByteAtMs: number | undefined;
  /** The answer may have come ahead, with the one before: how long to wait for one of its own (ms). */
  answeredAheadWaitMs: number | undefined;
  /** HTTP requests pipelined in it, when more than one: their methods and where each ends. */
  pipelined: { methods: string[]; ends: number[] } | undefined;
  /** Where its next sending begins in its data: past the pipelined requests answered before a close. */
  resumeAt: number;
  /** Response bytes that came on connections before the one it was resent on (responseBytes: this one's). */
  earlierBytes: number;
  /** Sent again on a new connection before any answer: `sent.sentMs` is that send's. */
  resent?: boolean;
}

/** A request being written, part by part (`resend`: again, on a new connection). */
interface Sending {
  flight: InFlight;
  partsWritten: number;
  resend: boolean;
  /** When its first part was due to go (send lag counts from there or a later part's time). */
  scheduledMs: number;
}

type Phase = 'connecting' | 'open' | 'done';

export class SocketSession implements SessionDriver {
  private socket: net.Socket;
  private phase: Phase = 'connecting';
  private next = 0;
  private inFlight: InFlight | undefined;
  private readonly startedMs: number;
  private reportedStart = false;
  private readonly wakeUp: WakeUp;
  /**
   * When the current next request became ready to go, apart from its schedule: for the first, when
   * the session was due to start (a session started late shows that delay as send lag).
   */
  private readySinceMs: number | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private sending: Sending | undefined;
  /** The session timeout's timer: armed once, and checked against `awaitingSinceMs` when it fires. */
  private answerTimer: NodeJS.Timeout | undefined;
  /** What the session waits for from the target: the connection, its greeting, or the response to request n. */
  private awaiting: 'connection' | 'greeting' | number | undefined;
  /** When the last byte the target sent on this connection before its first request came. */
  private greetingLastMs: number | undefined;
  /** Requests written on this connection. */
  private sentOnConnection = 0;
  /** Bytes of the last response beyond its captured one: maybe the next request's answer, sent ahead. */
  private bytesAhead = 0;
  /** The request to send again first on a new connection (the old one closed before any answer). */
  private resend: InFlight | undefined;
  /**
   * The target closed or reset this connection, or said it will (`Connection: close`): the next
   * request needs a new one. `lostAs` is the outcome if no new one may be opened.
   */
  private connectionDone = false;
  private lostAs: 'closed-early' | 'reset-by-target' = 'closed-early';
  private reconnects = 0;
  /** The target ended (FIN) or reset the current connection: nothing more can be written on it. */
  private targetEnded = false;
  /** We shut our sending side after a halfClosed request, as the captured client did. */
  private halfClosedSent = false;
  /** The halfClosed request went; its close waits for its captured time (halfCloseDueUs). */
  private halfClosePending = false;
  /** Every request sent and answered: the connection stays open only until the captured close. */
  private holdingForCapturedClose = false;
  private reconnectsInARow = 0;
  private awaitingSinceMs = 0;

  constructor(
    private readonly planned: PlannedSession,
    private readonly env: SessionEnv,
    private readonly options: SocketSessionOptions,
  ) {
    this.wakeUp = new WakeUp(env, () => this.pump());
    this.startedMs = env.nowMs();
    this.readySinceMs = this.startedMs - Math.max(0, env.lateMs(planned.startUs));
    this.socket = this.connect(this.startedMs);
  }

  requestAvailable(): void {
    this.pump();
  }

  inputEnded(): void {
    this.pump();
  }

  stop(reason = 'the run was stopped'): void {
    if (this.phase === 'done') return;
    if (this.holdingForCapturedClose) {
      // Every answer is in; only the captured client's close was awaited: not a failure.
      this.closeNormally();
      return;
    }
    this.socket.destroy();
    this.finish('stopped', reason);
  }

  private get requests() {
    return this.planned.session.requests;
  }

  /** A new connection to the target; the events of one given up for another are ignored. */
  private connect(nowMs: number): net.Socket {
    const socket = net.connect({
      host: this.planned.target.ip,
      port: this.planned.target.port,
      noDelay: true,
    });
    const current = () => socket === this.socket;
    this.phase = 'connecting';
    this.awaitTarget('connection', nowMs);
    socket.on('connect', () => {
      if (current()) this.onConnect();
    });
    socket.on('data', (chunk: Buffer) => {
      if (current()) this.onData(chunk);
    });
    socket.on('end', () => {
      if (current()) this.onTargetClosed();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (current()) this.onError(err);
    });
    socket.on('close', () => {
      if (current()) this.onTargetClosed();
    });
    return socket;
  }

  private onConnect(): void {
    if (this.phase === 'done') return;
    this.phase = 'open';
    const { localAddress, localPort } = this.socket;
    this.reportStart(
      localAddress && localPort ? endpointText({ ip: localAddress, port: localPort }) : undefined,
    );
    this.awaiting = undefined;
    this.pump();
  }

  /** Sends the next request if everything it waits for has happened; otherwise arms what it waits for. */
  private pump(): void {
    this.skipUncaptured();
    if (this.phase !== 'open') return;
    if (this.halfClosePending) {
      const flight = this.inFlight;
      this.halfCloseWhenDue(this.requests.length - 1);
      if (this.halfClosePending) return;
      // As captured, its answer comes after the close: the session timeout counts from there.
      if (flight && !flight.complete && !this.options.noWait)
        this.awaitTarget(flight.sent.index, this.env.nowMs());
    }
    // A request sent in parts: its last part comes first.
    if (this.sending) {
      this.writeDueParts(this.sending);
      return;
    }
    const previousOver = !this.inFlight || this.inFlight.complete || this.options.noWait;
    if (!previousOver) return;
    const resend = this.resend;
    if (this.next >= this.requests.length && !resend) {
      if (!this.planned.inputEnded) this.env.needInput(this.planned);
      else if (this.sentOnConnection === 0 && !this.greetingOver(this.env.nowMs())) return;
      else if (this.lastResponseOver() && this.capturedCloseDue()) this.closeNormally();
      return;
    }
    const nowMs = this.env.nowMs();
    const dueUs = this.planned.startUs + this.planned.requestOffsetsUs[this.next];
    if (!resend) {
      this.readySinceMs ??= nowMs;
      if (!this.wakeUp.reached(dueUs)) return;
    }
    // A new connection only once a request is due, as a client opens one.
    if (this.connectionDone) {
      const index = resend ? resend.sent.index : this.next;
      const continues = continuationOf(this.requests, index);
      if (continues === undefined) this.reconnectOrGiveUp();
      // The target said it will close (Connection: close) but still reads: the rest goes as captured.
      else if (!this.targetEnded && !resend) this.sendNext(nowMs, dueUs);
      else this.endLost(continuationReason(continues, index));
      return;
    }
    if (this.sentOnConnection === 0 && !this.greetingOver(nowMs)) return;
    if (resend) {
      this.sendAgain(resend);
      return;
    }
    this.sendNext(nowMs, dueUs);
  }

  /** Sends the next request, due at `dueUs`, and goes on. */
  private sendNext(nowMs: number, dueUs: number): void {
    const lagMs = Math.max(0, Math.min(this.env.lateMs(dueUs), nowMs - (this.readySinceMs ?? nowMs)));
    this.readySinceMs = undefined;
    this.wakeUp.reset();
    this.send(this.next++, nowMs, lagMs);
    this.pump();
  }

  /**
   * Whether the session may close: with --no-wait the last request went out without waiting, but
   * the connection stays open for its response, as the captured client's did.
   */
  private lastResponseOver(): boolean {
    const flight = this.inFlight;
    if (!flight || flight.complete) return true;
    if (this.awaiting !== flight.sent.index) this.awaitTarget(flight.sent.index, this.env.nowMs());
    return false;
  }

  /** Whether the captured client had closed by now (see capturedCloseUs). */
  private capturedCloseDue(): boolean {
    const closeUs = capturedCloseUs(this.planned);
    if (closeUs === undefined || this.wakeUp.reached(closeUs)) return true;
    this.holdingForCapturedClose = true;
    return false;
  }

  /** Moves past requests the capture holds no byte of: `next` never rests on one. */
  private skipUncaptured(): void {
    this.next = nextToSend(this.requests, this.next);
  }

  /**
   * Whether the target's greeting (if the capture had one) is over: some bytes came, then none for
   * as long as a response needs to count as over. Until then it arms what it waits for.
   */
  private greetingOver(nowMs: number): boolean {
    if (this.options.noWait || this.planned.session.greetingBytes === 0) return true;
    if (this.greetingLastMs === undefined) {
      if (this.awaiting !== 'greeting') this.awaitTarget('greeting', nowMs);
      return false;
    }
    const quietLeftMs = this.greetingLastMs + this.quietMs() - nowMs;
    if (quietLeftMs <= 0) return true;
    this.quietTimer ??= setTimeout(() => {
      this.quietTimer = undefined;
      this.pump();
    }, quietLeftMs);
    return false;
  }

  /** Request `index` goes: it is in flight from its first part (a target may answer early). */
  private send(index: number, nowMs: number, lagMs: number): void {
    const request = this.requests[index];
    this.answerInFlight();
    // With --no-wait, responses owed for earlier requests on this connection come first.
    const owing = this.options.noWait && this.sentOnConnection > 0 ? this.inFlight?.framing : undefined;
    const http = parseHttpRequestLine(request.data);
    const { methods, ends, whole } = pipelinedRequests(request.data, http);
    const expectsAnswer = answerExpected(request, http);
    const sent: SentRequest = {
      index,
      scheduledMs: nowMs - lagMs,
      sentMs: nowMs,
      bytesSent: request.data.length,
      http,
    };
    if (unansweredInCapture(this.planned.session, expectsAnswer)) sent.unansweredInCapture = true;
    this.sentOnConnection++;
    const aheadWaitUs = this.options.noWait
      ? undefined
      : answeredAheadWaitUs(request, () => http !== undefined, this.bytesAhead, this.options.responseQuiet);
    this.bytesAhead = 0;
    const flight: InFlight = {
      sent,
      reported: false,
      framing: owing ?? new HttpResponseFraming(...methods).finalDueAfterContinue(whole),
      framingState: owing ? owing.expect(...methods) : 'incomplete',
      complete: !expectsAnswer,
      responseBytes: 0,
      firstByteAtMs: undefined,
      lastByteAtMs: undefined,
      answeredAheadWaitMs: aheadWaitUs === undefined ? undefined : aheadWaitUs / 1000,
      pipelined: methods.length > 1 ? { methods, ends } : undefined,
      resumeAt: 0,
      earlierBytes: 0,
    };
    this.inFlight = flight;
    this.writeDueParts({ flight, partsWritten: 0, resend: false, scheduledMs: sent.scheduledMs });
  }

  /**
   * A request whose connection closed before any answer (or before its last part), written again
   * on the new one; or the rest of pipelined requests the target answered only the first of.
   */
  private sendAgain(flight: InFlight): void {
    this.resend = undefined;
    if (flight.complete) {
      const methods = flight.pipelined?.methods.slice(-flight.framing.cutOff) ?? [];
      flight.earlierBytes += flight.responseBytes;
      flight.responseBytes = 0;
      flight.complete = false;
      flight.framing = new HttpResponseFraming(...methods).finalDueAfterContinue(true);
      flight.framingState = 'incomplete';
    }
    // The bytes that came ahead came on the old connection: on the new one it waits for its own.
    flight.answeredAheadWaitMs = undefined;
    this.sentOnConnection++;
    this.inFlight = flight;
    this.writeDueParts({ flight, partsWritten: 0, resend: true, scheduledMs: flight.sent.scheduledMs });
  }

  /**
   * Writes the parts of the flight's request whose time has come on the replay clock (the
   * request's time plus the part's delay: overdue parts go at once); after the last, the request
   * is reported sent (if its answer did not come first) and its answer awaited.
   */
  private writeDueParts(sending: Sending): void {
    const { flight } = sending;
    const { index } = flight.sent;
    const request = this.requests[index];
    const parts = partCount(request);
    const from = sending.resend ? flight.resumeAt : 0;
    while (sending.partsWritten < parts) {
      const part = sending.partsWritten;
      const dueUs = partDueUs(this.planned, index, part);
      if (part > 0 && !this.wakeUp.reached(dueUs)) {
        this.sending = sending;
        return;
      }
      const bytes = partBytes(request, part, from);
      if (bytes.length > 0) this.socket.write(bytes);
      sending.partsWritten++;
      this.env.observer.bytes(this.planned, bytes.length, 0);
      if (part > 0 && !flight.reported) this.partWritten(sending, dueUs);
    }
    this.sending = undefined;
    this.wakeUp.reset();
    if (sending.resend && flight.firstByteAtMs === undefined) {
      // Sent again on a new connection, none of it answered on the old: its answer counts from
      // this send, not from the one the target dropped.
      flight.sent.sentMs = this.env.nowMs();
      flight.resent = true;
    }
    if (request.halfClosed && index === this.requests.length - 1) this.halfCloseWhenDue(index);
    this.reportSent(flight);
    if (!flight.complete && !this.options.noWait && !this.halfClosePending)
      this.awaitTarget(index, this.env.nowMs());
    else this.awaiting = undefined;
    if (!flight.complete && flight.responseBytes === 0 && flight.answeredAheadWaitMs !== undefined) {
      this.clearQuiet();
      this.quietTimer = setTimeout(() => this.answeredAhead(flight), flight.answeredAheadWaitMs);
    }
    if (!flight.complete && flight.responseBytes > 0) {
      // An answer began before this last part (a 401 to a body's head, a chat server's reply): it
      // is over now if its framing says so, else after a quiet from here; after an interim
      // 100 Continue, the final answer is awaited.
      if (flight.framingState === 'complete') this.responseOver(flight);
      else if (!httpResponsePending(flight) && !awaitingFinalHttp(flight)) this.armQuiet(flight);
    }
    if (parts > 1) this.pump();
  }

  /** Shuts our sending side after the halfClosed request `index`, once its captured close is due. */
  private halfCloseWhenDue(index: number): void {
    this.halfClosePending = !this.wakeUp.reached(halfCloseDueUs(this.planned, index));
    if (this.halfClosePending) return;
    this.socket.end();
    this.halfClosedSent = true;
  }

  /**
   * A later part went: latency counts from it (the request's last byte so far), and the request
   * is late only as far as the part went after both its own time and the request's schedule.
   */
  private partWritten(sending: Sending, dueUs: number): void {
    const sent = sending.flight.sent;
    const nowMs = this.env.nowMs();
    const lagMs = Math.max(0, Math.min(nowMs - sending.scheduledMs, this.env.lateMs(dueUs)));
    sent.sentMs = nowMs;
    sent.scheduledMs = nowMs - lagMs;
  }

  private reportSent(flight: InFlight): void {
    if (flight.reported) return;
    flight.reported = true;
    this.env.observer.requestSent(this.planned, flight.sent);
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'done') return;
    const nowMs = this.env.nowMs();
    this.env.observer.bytes(this.planned, 0, chunk.length, nowMs);
    const flight = this.inFlight;
    if (!flight) {
      this.onGreeting(nowMs);
      return;
    }
    this.reconnectsInARow = 0;
    flight.firstByteAtMs ??= nowMs;
    flight.lastByteAtMs = nowMs;
    flight.responseBytes += chunk.length;
    flight.framingState = flight.framing.push(chunk);
    if (flight.complete) {
      // Its tail, come after the response was judged over and before the next request went.
      this.reportAnswer(flight);
      return;
    }
    this.awaiting = undefined;
    if (flight.framingState === 'complete') this.responseOver(flight);
    else if (httpResponsePending(flight)) {
      this.clearQuiet();
      this.awaitTarget(flight.sent.index, nowMs);
    } else this.armQuiet(flight);
  }

  /** Bytes before the first request: the quiet wait for the greeting's end starts again. */
  private onGreeting(nowMs: number): void {
    this.greetingLastMs = nowMs;
    if (this.awaiting === 'greeting') this.awaiting = undefined;
    this.clearQuiet();
    this.pump();
  }

  private armQuiet(flight: InFlight): void {
    this.clearQuiet();
    const delayMs = Math.max(this.quietMs(), this.shortResponseWaitMs(flight));
    this.quietTimer = setTimeout(() => this.responseOver(flight), delayMs);
  }

  /** While the response is shorter than the captured one: the time left until that one ended. */
  private shortResponseWaitMs(flight: InFlight): number {
    const captured = this.requests[flight.sent.index];
    if (captured === undefined || flight.responseBytes >= captured.responseBytes) return 0;
    const endUs = capturedResponseEndUs(
      captured,
      this.options.responseQuiet,
      () => flight.sent.http !== undefined,
    );
    const endMs = flight.sent.sentMs + endUs / 1000;
    return endMs - this.env.nowMs();
  }

  private clearQuiet(): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
  }

  private quietMs(): number {
    const rttUs = this.planned.session.handshake.rttUs;
    return responseQuietUs(rttUs, this.env.speed(), this.options.responseQuiet) / 1000;
  }

  private responseOver(flight: InFlight): void {
    this.clearQuiet();
    if (flight.complete) return;
    // An answer that began before the request's last part is over no sooner than that part went.
    if (this.sending?.flight === flight) return;
    this.answer(flight);
    this.pump();
  }

  /**
   * No answer of its own came to a request whose captured answer the target had already sent, with
   * the answer before (InFlight.answeredAheadWaitMs): that one was it, 0 bytes of its own, 0 ms.
   */
  private answeredAhead(flight: InFlight): void {
    this.quietTimer = undefined;
    if (flight.complete || flight.responseBytes > 0 || this.inFlight !== flight) return;
    flight.firstByteAtMs = flight.sent.sentMs;
    flight.lastByteAtMs = flight.sent.sentMs;
    this.answer(flight);
    this.pump();
  }

  /** Ends the response to the last request sent, if it is not over yet. */
  private answerInFlight(): void {
    if (this.inFlight && !this.inFlight.complete) this.answer(this.inFlight);
  }

  /** Ends a request's response: reported as answered when any byte of it came back. */
  private answer(flight: InFlight): void {
    flight.complete = true;
    const captured = this.requests[flight.sent.index];
    this.bytesAhead = captured
      ? bytesBeyondCaptured(captured, () => flight.sent.http !== undefined, answeredBytes(flight))
      : 0;
    // An answer before the request's last part (a 401 to the head of a body sent after a wait)
    // reports it sent; a request cut off between its parts without one is not.
    if (flight.responseBytes > 0 || this.sending?.flight !== flight) this.reportSent(flight);
    if (flight.framing.closesConnection) this.connectionDone = true;
    this.reportAnswer(flight);
    this.resendCutOff(flight);
  }

  /**
   * The target closed after answering only the first of the HTTP requests pipelined in the
   * flight's (a `Connection: close`, a request limit): the rest go again on a new connection, as
   * a client that pipelines resends them.
   */
  private resendCutOff(flight: InFlight): void {
    const cutOff = flight.framing.cutOff;
    const pipelined = flight.pipelined;
    if (cutOff === 0 || pipelined === undefined || this.options.noWait) return;
    // The captured server closed after this request too: the client's retry of the rest is a
    // captured session of its own, which the replay sends.
    const session = this.planned.session;
    const capturedLast = this.planned.inputEnded && flight.sent.index === this.requests.length - 1;
    if (capturedLast && session.endedBy === 'server' && session.ending !== 'capture-end') return;
    flight.resumeAt = pipelined.ends[pipelined.methods.length - cutOff - 1] ?? 0;
    this.resend = flight;
  }

  /** Tells the report the request's answer as it stands (again, when bytes came after it was over). */
  private reportAnswer(flight: InFlight): void {
    const { firstByteAtMs, lastByteAtMs } = flight;
    if (firstByteAtMs === undefined || lastByteAtMs === undefined) return;
    // From the request's last byte written: an answer that came before it counts 0.
    const sentMs = flight.sent.sentMs;
    const answer: AnsweredRequest = {
      index: flight.sent.index,
      firstByteMs: Math.max(0, firstByteAtMs - sentMs),
      lastByteMs: Math.max(0, lastByteAtMs - sentMs),
      responseBytes: answeredBytes(flight),
      status: flight.framing.statusCode,
    };
    if (flight.resent) answer.sentMs = sentMs;
    this.env.observer.requestAnswered(this.planned, answer);
  }

  private reportStart(replayedFrom?: string): void {
    if (this.reportedStart) return;
    this.reportedStart = true;
    this.env.observer.sessionStarted(this.planned, this.startedMs, replayedFrom);
  }

  private onTargetClosed(): void {
    if (this.phase === 'done' || this.phase === 'connecting') return; // 'error' names the reason
    this.onConnectionLost('closed-early');
  }

  private onError(err: NodeJS.ErrnoException): void {
    if (this.phase === 'done') return;
    if (err.code === 'ECONNREFUSED') {
      const which = this.reconnects > 0 ? `reconnect ${this.reconnects}: ` : '';
      this.finish('refused', `${which}connection to ${endpointText(this.planned.target)} refused`);
    } else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      this.onConnectionLost('reset-by-target');
    } else if (err.code === 'EADDRNOTAVAIL') {
      this.finish(
        'error',
        `no local port or address to connect to ${endpointText(this.planned.target)} from (EADDRNOTAVAIL): most likely this host's ephemeral ports (net.ipv4.ip_local_port_range) are taken, mostly by the replay's closed connections in TIME_WAIT (widen the range, set net.ipv4.tcp_tw_reuse=1, or lower --concurrency); else the host has no address of the target's family (IPv6 disabled?)`,
      );
    } else {
      this.finish('error', `${err.code ?? 'socket error'}: ${err.message}`);
    }
  }

  /**
   * The target closed or reset the connection; the next one is opened when a request is due (see
   * `pump`). A request it never answered goes again first when it followed others on the
   * connection (a keep-alive connection the target closed as the request came, as clients
   * retry); when it was the connection's first, the target refused it and the session ends.
   */
  private onConnectionLost(how: 'closed-early' | 'reset-by-target'): void {
    if (!this.connectionDone || how === 'reset-by-target') this.lostAs = how;
    this.targetEnded = true;
    this.connectionDone = true;
    const flight = this.inFlight;
    if (flight && !flight.complete && httpResponsePending(flight)) {
      this.answerInFlight();
      this.endLost(
        `in the middle of the response to request ${flight.sent.index} (${flight.responseBytes} bytes of it came)`,
      );
      return;
    }
    if (this.halfClosedSent || this.halfClosePending) {
      // We ended our side first, or the captured client was about to: the target closing ends the
      // exchange; nothing is retried.
      const unanswered = flight !== undefined && !flight.complete && flight.responseBytes === 0;
      this.answerInFlight();
      if (unanswered) this.endLost(`without answering request ${flight.sent.index}`);
      else this.finish('completed');
      return;
    }
    const sending = this.sending;
    if (sending) {
      if (sending.flight.responseBytes > 0) {
        // Answered before its last part, then closed: the rest cannot go (a body after a 413).
        this.sending = undefined;
        this.answerInFlight();
      } else if (this.options.noWait || this.sentOnConnection === 1) {
        // Cut off between its parts (not reported sent): with --no-wait nothing is retried; the
        // connection's first request the target did not take ends the session.
        this.answerInFlight();
        this.sending = undefined;
        if (!this.options.noWait) {
          const parts = partCount(this.requests[sending.flight.sent.index]);
          const written = `${sending.partsWritten} of ${parts} written`;
          this.endLost(`while request ${sending.flight.sent.index} was sent in parts (${written})`);
          return;
        }
      } else {
        // Lost between its parts: it goes again, from its first part, on a new connection.
        this.sending = undefined;
        this.resend = sending.flight;
        this.inFlight = undefined;
      }
    } else if (flight && !flight.complete && flight.responseBytes === 0 && !this.options.noWait) {
      if (this.sentOnConnection === 1) {
        this.answerInFlight();
        this.endLost(`without answering request ${flight.sent.index}`);
        return;
      }
      this.resend = flight;
      this.inFlight = undefined;
    } else {
      this.answerInFlight();
    }
    if (this.next >= this.requests.length && !this.resend && this.planned.inputEnded)
      this.finish('completed');
    else this.pump();
  }

  /** A new connection, unless `maxReconnects` in a row brought no response: then the session ends. */
  private reconnectOrGiveUp(): void {
    if (this.reconnectsInARow >= this.options.maxReconnects) {
      const left = requestsToSend(this.requests, this.next) + (this.resend ? 1 : 0);
      const tries = this.reconnectsInARow > 0 ? ` after ${this.reconnectsInARow} reconnect(s)` : '';
      this.endLost(`with ${left} request(s) left${tries}`);
      return;
    }
    this.reconnects++;
    this.reconnectsInARow++;
    this.socket.destroy();
    this.clearQuiet();
    // Bytes on the new connection are its greeting or answer requests sent on it, never an older one's.
    this.answerInFlight();
    this.inFlight = undefined;
    this.connectionDone = false;
    this.targetEnded = false;
    this.halfClosedSent = false;
    this.halfClosePending = false;
    this.lostAs = 'closed-early';
    this.sentOnConnection = 0;
    this.bytesAhead = 0;
    this.greetingLastMs = undefined;
    this.socket = this.connect(this.env.nowMs());
  }

  /** Ends the session as the lost connection says: `target closed|reset the connection <detail>`. */
  private endLost(detail: string): void {
    const verb = this.lostAs === 'reset-by-target' ? 'reset' : 'closed';
    this.finish(this.lostAs, `target ${verb} the connection ${detail}`);
  }

  private closeNormally(): void {
    const socket = this.socket;
    socket.end();
    this.finish('completed');
    // Cleared as soon as the target closes too (the usual case): until then the socket, its
    // listeners and through them the session's payload stay reachable.
    const grace = setTimeout(() => socket.destroy(), this.options.closeGraceMs).unref();
    socket.once('close', () => clearTimeout(grace));
  }

  /**
   * Starts the session timeout: reprise now waits for the target. One timer per session, not
   * re-armed per wait (that was a measurable part of a request's cost at --speed max): when it
   * fires it checks how long the current wait has lasted, and sleeps again for the rest.
   */
  private awaitTarget(what: 'connection' | 'greeting' | number, nowMs: number): void {
    this.awaiting = what;
    this.awaitingSinceMs = nowMs;
    this.answerTimer ??= setTimeout(() => this.onAnswerTimer(), timerDelayMs(this.options.sessionTimeoutMs));
  }

  private onAnswerTimer(): void {
    this.answerTimer = undefined;
    if (this.awaiting === undefined || this.phase === 'done') return;
    const leftMs = this.awaitingSinceMs + this.options.sessionTimeoutMs - this.env.nowMs();
    if (leftMs > 0) {
      this.answerTimer = setTimeout(() => this.onAnswerTimer(), timerDelayMs(leftMs));
      return;
    }
    const what =
      this.awaiting === 'connection'
        ? `no connection to ${endpointText(this.planned.target)}`
        : this.awaiting === 'greeting'
          ? 'no greeting from the target (it spoke first in the capture)'
          : this.inFlight?.sent.index === this.awaiting && this.inFlight.responseBytes > 0
            ? `the response to request ${this.awaiting} stopped after ${this.inFlight.responseBytes} bytes: no more`
            : `no response to request ${this.awaiting}`;
    this.socket.destroy();
    this.finish('timed-out', `${what} within ${this.options.sessionTimeoutMs / 1000}s`);
  }

  private finish(outcome: SessionOutcome, reason?: string): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.awaiting = undefined;
    clearTimeout(this.answerTimer);
    this.clearQuiet();
    this.answerInFlight();
    if (outcome !== 'completed') this.socket.destroy();
    this.reportStart();
    const end: SessionEnd = { outcome, endedMs: this.env.nowMs() };
    if (reason !== undefined) end.reason = reason;
    if (this.reconnects > 0) end.reconnects = this.reconnects;
    const socket = this.socket;
    if (!socket.writableEnded || socket.writableFinished || socket.destroyed) {
      this.env.observer.sessionEnded(this.planned, end);
      return;
    }
    // Our FIN goes out first: the session's --concurrency slot is not the next one's before the
    // target has seen it (libuv sends it on the loop's next turn; a new connection's SYN goes now).
    let told = false;
    const tell = () => {
      if (told) return;
      told = true;
      this.env.observer.sessionEnded(this.planned, end);
    };
    socket.once('finish', tell);
    socket.once('close', tell);
  }
}

/** The request's response bytes on every connection it went on. */
function answeredBytes(flight: InFlight): number {
  return flight.earlierBytes + flight.responseBytes;
}
