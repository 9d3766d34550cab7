/**
 * The raw transport's driver of one planned session: a SessionEngine fed with the run's clock,
 * the session's released requests and intercept's feedback, whose actions become IP packets,
 * timers and the same observer events the socket transport reports.
 *
 * Pacing is the run's: request i is released to the engine when the replay clock reaches its
 * offset (env.at), and each later part of a request sent in parts at its own time, so pause and
 * live speed changes apply as with the socket transport; the engine still holds a released
 * request until the previous response is over (unless --no-wait).
 */
import type { CapturedRequest } from '../flow/session.ts';
import { parseHttpRequestLine } from '../http/request-line.ts';
import { formatIpv4 } from '../packet/address.ts';
import { SessionEngine } from '../replay/engine/engine.ts';
import type { EngineAction, EngineOptions, OutSegment, ResponseHeader } from '../replay/engine/types.ts';
import type { SessionEnv } from '../replay/observer.ts';
import type { PlannedSession, SessionDriver } from '../replay/plan.ts';
import type { RewrittenClient } from '../replay/port-shift.ts';
import { halfCloseDueUs, partCount, partDueUs } from '../replay/request-parts.ts';
import { answerExpected, unansweredInCapture } from '../replay/response-quiet.ts';
import { capturedCloseUs, WakeUp } from '../replay/wake-up.ts';
import type { SentRequest, SessionEnd } from '../report/metrics.ts';

/** What a raw session needs from its transport. */
export interface RawSessionHost {
  engineOptions: Partial<EngineOptions>;
  /** Encodes and sends one segment from `client` to the session's target. */
  send(planned: PlannedSession, client: RewrittenClient, segment: OutSegment): void;
  /** The session is over: stop routing its feedback, DEL its route. */
  ended(session: RawSession): void;
}

export class RawSession implements SessionDriver {
  /** Made at start(), once the flow layer has read the session's first packet (its SYN, if any). */
  private engine: SessionEngine | undefined;
  /** The requests released to the engine so far (its view of `session.requests`). */
  private readonly released: CapturedRequest[] = [];
  private readonly zeroOffsets: number[] = [];
  /** Per released request, when the run's schedule wanted it (ms since the run started): its last part's time. */
  private readonly dueMs: number[] = [];
  /** Per released request, its parts released to the engine (EngineInput.partsReleased). */
  private readonly partsReleased: number[] = [];
  /** The first released request with parts not released yet. */
  private partsCursor = 0;
  private readonly sentAtUs: number[] = [];
  private readonly wakeUp: WakeUp;
  private readonly partWakeUp: WakeUp;
  /** When the previous response ended: a request is not late while it waits for that. */
  private readyMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAtUs: number | undefined;
  private inputEndedSent = false;
  private done = false;
  /** Target payload bytes reported with a response (the engine counts every byte). */
  private answeredBytes = 0;
  /** The outcome to report instead of the engine's, when the transport gave up (abort). */
  private abortedWith: SessionEnd | undefined;

  constructor(
    readonly planned: PlannedSession,
    readonly client: RewrittenClient,
    private readonly env: SessionEnv,
    private readonly host: RawSessionHost,
  ) {
    this.wakeUp = new WakeUp(env, () => this.release());
    this.partWakeUp = new WakeUp(env, () => this.release());
  }

  get isDone(): boolean {
    return this.done;
  }

  get started(): boolean {
    return this.engine !== undefined;
  }

  /** Starts the handshake (the route was added by the transport just before). */
  start(): void {
    if (this.done || this.engine) return;
    // The engine sees the captured session (handshake and all), but only the requests released so far.
    this.engine = new SessionEngine({
      session: this.planned.session,
      requests: this.released,
      requestOffsetsUs: this.zeroOffsets,
      partsReleased: this.partsReleased,
      inputEnded: false,
      options: { ...this.host.engineOptions, speed: this.env.speed() },
    });
    this.env.observer.sessionStarted(
      this.planned,
      this.env.nowMs(),
      `${formatIpv4(this.client.ip)}:${this.client.port}`,
    );
    this.apply(this.engine.start(this.nowUs()));
    this.release();
  }

  requestAvailable(): void {
    this.release();
  }

  inputEnded(): void {
    this.release();
  }

  stop(): void {
    if (this.done) return;
    // Held open only for the captured client's close, with every answer in: the run's stop does
    // not make it a failure.
    const held = this.planned.inputEnded && !this.inputEndedSent;
    if (this.engine && held && this.engine.settled(this.nowUs())) this.abortedWith = { outcome: 'completed' };
    if (this.engine) this.apply(this.engine.stop(this.nowUs()));
    else this.finish({ outcome: 'stopped', reason: 'the run was stopped before it started' });
  }

  /** The transport cannot go on: reset the target's side (if connected) and end with an error. */
  abort(reason: string): void {
    if (this.done) return;
    this.abortedWith = { outcome: 'error', reason };
    this.stop();
  }

  feedback(header: ResponseHeader): void {
    if (this.done || !this.engine) return;
    this.apply(this.engine.feedback(this.nowUs(), header));
  }

  /** Hands the engine every request whose time has come on the replay clock. */
  private release(): void {
    const engine = this.engine;
    if (this.done || !engine) return;
    const { planned, env } = this;
    const available = planned.requestOffsetsUs.length;
    let added = false;
    while (this.released.length < available) {
      const index = this.released.length;
      const dueUs = planned.startUs + planned.requestOffsetsUs[index];
      const lateMs = env.lateMs(dueUs);
      if (lateMs < 0) {
        this.wakeUp.at(dueUs);
        break;
      }
      this.dueMs.push(env.nowMs() - lateMs);
      this.zeroOffsets.push(0);
      this.partsReleased.push(1);
      this.released.push(planned.session.requests[index]);
      added = true;
    }
    if (this.releaseDueParts()) added = true;
    if (added) this.apply(engine.requestAvailable(this.nowUs()));
    if (this.done || this.released.length < available) return;
    if (planned.inputEnded) {
      if (!this.inputEndedSent && this.capturedCloseDue()) {
        this.inputEndedSent = true;
        this.apply(engine.inputEnded(this.nowUs()));
      }
    } else if (added || available === 0) {
      env.needInput(planned);
    }
  }

  /**
   * Releases to the engine the later parts of released requests whose time has come on the replay
   * clock (the request's offset plus the part's delay); true if any was.
   */
  private releaseDueParts(): boolean {
    const { planned, env } = this;
    let any = false;
    for (; this.partsCursor < this.released.length; this.partsCursor++) {
      const index = this.partsCursor;
      const request = this.released[index];
      // A halfClosed request's close comes after its last part, at its own time (EngineInput.partsReleased).
      const parts = partCount(request);
      const releases = request.halfClosed ? parts + 1 : parts;
      while (this.partsReleased[index] < releases) {
        const part = this.partsReleased[index];
        const dueUs = part < parts ? partDueUs(planned, index, part) : halfCloseDueUs(planned, index);
        const lateMs = env.lateMs(dueUs);
        if (lateMs < 0) {
          this.partWakeUp.at(dueUs);
          return any;
        }
        this.partsReleased[index]++;
        if (part < parts) this.dueMs[index] = env.nowMs() - lateMs;
        any = true;
      }
    }
    return any;
  }

  /** Whether the captured client had closed by now (see capturedCloseUs): the engine sends no FIN before its input ends. */
  private capturedCloseDue(): boolean {
    const closeUs = capturedCloseUs(this.planned);
    return closeUs === undefined || this.wakeUp.reached(closeUs);
  }

  private apply(actions: EngineAction[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case 'send':
          this.host.send(this.planned, this.client, action.segment);
          break;
        case 'timer':
          this.arm(action.atUs);
          break;
        case 'request-sent':
          this.requestSent(action.index, action.atUs, action.bytes);
          break;
        case 'response':
          this.responseOver(action.index, action.firstUs, action.lastUs, action.bytes);
          break;
        case 'done':
          this.finish(action);
          break;
      }
    }
  }

  private requestSent(index: number, atUs: number, bytes: number): void {
    const sentMs = atUs / 1000;
    this.sentAtUs[index] = atUs;
    const request = this.released[index];
    const http = request ? parseHttpRequestLine(request.data) : undefined;
    const scheduledMs = Math.min(sentMs, Math.max(this.dueMs[index] ?? sentMs, this.readyMs));
    const sent: SentRequest = { index, scheduledMs, sentMs, bytesSent: bytes };
    if (http) sent.http = http;
    if (request && unansweredInCapture(this.planned.session, answerExpected(request, http))) {
      sent.unansweredInCapture = true;
    }
    this.env.observer.requestSent(this.planned, sent);
    this.env.observer.bytes(this.planned, bytes, 0);
  }

  private responseOver(index: number, firstUs: number, lastUs: number, bytes: number): void {
    this.readyMs = this.env.nowMs();
    const sentUs = this.sentAtUs[index];
    if (sentUs === undefined) return;
    this.answeredBytes += bytes;
    this.env.observer.bytes(this.planned, 0, bytes);
    this.env.observer.requestAnswered(this.planned, {
      index,
      firstByteMs: Math.max(0, firstUs - sentUs) / 1000,
      lastByteMs: Math.max(0, lastUs - sentUs) / 1000,
      responseBytes: bytes,
    });
  }

  private arm(atUs: number): void {
    if (this.timerAtUs === atUs && this.timer) return;
    clearTimeout(this.timer);
    this.timerAtUs = atUs;
    const delayMs = Math.max(0, Math.ceil(atUs / 1000 - this.env.nowMs()));
    this.timer = setTimeout(this.onTimer, delayMs);
  }

  /** One function for every timer of the session (the engine re-arms it on most events). */
  private readonly onTimer = (): void => {
    this.timer = undefined;
    const atUs = this.timerAtUs;
    if (atUs === undefined) return;
    // Node's timers may fire up to a millisecond early on this clock: the engine only asks again
    // when its deadline changes, so an early wake-up must not be spent.
    if (this.nowUs() < atUs) this.arm(atUs);
    else if (!this.done && this.engine) {
      this.timerAtUs = undefined;
      this.apply(this.engine.timer(this.nowUs()));
    }
  };

  private finish(end: SessionEnd): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.host.ended(this);
    const reconnects = this.engine?.stats.reconnects ?? 0;
    // Target bytes no response took: greetings, and what came after the last response was over.
    const unattributed = (this.engine?.stats.responseBytes ?? 0) - this.answeredBytes;
    if (unattributed > 0) this.env.observer.bytes(this.planned, 0, unattributed);
    const { outcome, reason } = this.abortedWith ?? end;
    const ended: SessionEnd = { outcome, endedMs: this.env.nowMs() };
    if (reason !== undefined) ended.reason = reason;
    if (reconnects > 0) ended.reconnects = reconnects;
    this.env.observer.sessionEnded(this.planned, ended);
  }

  private nowUs(): number {
    return Math.round(this.env.nowMs() * 1000);
  }
}
