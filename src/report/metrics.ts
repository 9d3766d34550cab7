/**
 * RunMetrics: the collector a replay feeds as things happen. It keeps one SessionResult per
 * planned session (so the report accounts for every one), send lag, time to first byte and
 * per-second throughput as they come, for the live view (`snapshot()`, a cheap plain summary).
 * The latency breakdowns of the report (overall, per captured server port, per HTTP endpoint)
 * take a session's requests once the session is final: ended, and its capture read to its end.
 * With `endedSessions`, a final session's result goes there and no longer stays in memory, so a
 * long run's memory does not grow with its sessions. No I/O; time comes from the events, and
 * from the injected clock only where an event carries none.
 */

import type { HttpRequestLine } from '../http/request-line.ts';
import { endpointOf } from './endpoint.ts';
import { LatencyHistogram, round3 } from './histogram.ts';
import type { RequestResult, SessionOutcome, SessionResult } from './outcome.ts';
import { RecentList, TopList } from './rankings.ts';
import {
  type EndpointLatency,
  FAILED_OUTCOMES,
  isFailure,
  type LatencyPair,
  type PortLatency,
  type RunReport,
  SESSION_OUTCOMES,
} from './schema.ts';
import { BucketSeries } from './series.ts';

/**
 * A session of the plan as the report keeps it, before it runs: who it replays and where to (the
 * run's own plan entry is replay/plan.ts's PlannedSession). The captured server's port
 * (`ip:port`, `[v6]:port`) keys the per-port latency.
 */
export type SessionPlanRow = Pick<
  SessionResult,
  | 'capture'
  | 'sessionId'
  | 'copy'
  | 'loop'
  | 'client'
  | 'server'
  | 'target'
  | 'requestsPlanned'
  | 'requestsNotCaptured'
>;

/** Returned by `sessionPlanned`, passed back with every later event of that session. */
export type SessionRef = number;

export interface SentRequest {
  index: number;
  scheduledMs: number;
  sentMs: number;
  bytesSent: number;
  /** The request line when the request is HTTP/1.x (`parseHttpRequestLine`). */
  http?: HttpRequestLine;
  /**
   * The capture holds no answer to it and nothing says one is due (`answerExpected` is false: a
   * Postgres Terminate, a client's last words before its FIN): without an answer it is not lost.
   */
  unansweredInCapture?: boolean;
}

export interface AnsweredRequest {
  index: number;
  /**
   * When the request's last byte went, if later than requestSent said: it went again on a new
   * connection (the target closed the first before answering), and its answer counts from there.
   */
  sentMs?: number;
  /** From the request's last byte sent to the first and last response byte (ms). */
  firstByteMs: number;
  lastByteMs: number;
  responseBytes: number;
  status?: number;
}

export interface SessionEnd {
  outcome: SessionOutcome;
  reason?: string;
  /** New connections after the target closed or reset one with requests left. */
  reconnects?: number;
  /** Defaults to the clock. */
  endedMs?: number;
}

export interface RunMetricsOptions {
  /** Sessions the plan expects in all, when known up front (progress, ETA). */
  planned?: number;
  /** Wall-clock time of the run's ms 0. */
  startedAt?: Date;
  /** Ms since the run started; defaults to performance.now() from construction. */
  clock?: () => number;
  /** Distinct HTTP endpoints tracked before the rest counts as `(other)`. */
  maxEndpoints?: number;
  /** Width of the window the live requests/s is measured over. */
  rateWindowMs?: number;
  /**
   * Takes each session's result once it is final; RunMetrics then keeps none of it, and
   * `measured()` lists no sessions (the report's writer reads them back from the sink).
   */
  endedSessions?: EndedSessionSink;
}

export interface EndedSessionSink {
  /** `ref` (plan order) breaks ties of the report order: captures number sessions from 0 each. */
  add(result: SessionResult, ref: SessionRef): void;
}

export interface SessionBrief {
  sessionId: number;
  copy: number;
  loop: number;
  /** Captured client address:port. */
  client: string;
  outcome?: SessionOutcome;
  reason?: string;
  requestsDone: number;
  requestsPlanned: number;
  /** Slowest request of the session, time to last byte (ms). */
  slowestMs: number;
}

export interface RecentError {
  atMs: number;
  sessionId: number;
  copy: number;
  loop: number;
  outcome: SessionOutcome;
  reason: string;
}

export interface MetricsSnapshot {
  elapsedMs: number;
  sessions: {
    planned: number;
    started: number;
    active: number;
    ended: number;
    completed: number;
    failed: number;
    byOutcome: Record<SessionOutcome, number>;
  };
  requests: { planned: number; sent: number; answered: number };
  bytes: { sent: number; received: number };
  /** Over the last `rateWindowMs`. */
  sentPerSecond: number;
  answeredPerSecond: number;
  /** Time to first byte so far (ms). */
  latency: { p50: number; p99: number };
  sendLag: { p50: number; p99: number; max: number };
  lastErrors: RecentError[];
  slowestSessions: SessionBrief[];
  failedSessions: SessionBrief[];
}

/** The measured part of a run report; buildReport adds what the run was. */
export type MeasuredRun = Pick<
  RunReport,
  'durationMs' | 'totals' | 'latency' | 'throughput' | 'sendLag' | 'sessions'
>;

export const OTHER_ENDPOINT = { method: '*', path: '(other)' } as const;
const THROUGHPUT_INTERVAL_MS = 1000;
const LIST_LENGTH = 10;
const RECENT_ERRORS = 5;

class LatencyPairHistograms {
  readonly firstByte = new LatencyHistogram();
  readonly lastByte = new LatencyHistogram();

  record(firstByteMs: number, lastByteMs: number): void {
    this.firstByte.record(firstByteMs);
    this.lastByte.record(lastByteMs);
  }

  summary(): LatencyPair {
    return { firstByte: this.firstByte.summary(), lastByte: this.lastByte.summary() };
  }
}

type EndpointHistograms = LatencyPairHistograms & { method: string; path: string };

interface Tracked {
  result: SessionResult;
  port: number;
  started: boolean;
  ended: boolean;
  /** No more requests will be planned for it (its captured session was read to its end). */
  inputEnded: boolean;
  answered: number;
  slowestMs: number;
  /** Its requests still awaiting an answer when the run stopped it (counted in awaitingAtStop). */
  awaitingAtStop: number;
}

export class RunMetrics {
  readonly startedAt: Date;
  private readonly clock: () => number;
  private readonly maxEndpoints: number;
  private readonly rateWindowMs: number;
  private readonly expectedSessions: number;

  /** Per session ref; undefined once a final session went to `endedSessions`. */
  private readonly sessions: Array<Tracked | undefined> = [];
  private readonly endedSessions: EndedSessionSink | undefined;
  /** Briefs of sessions that went to `endedSessions` while the live view's lists name them. */
  private readonly briefsOfGone = new Map<SessionRef, SessionBrief>();
  private readonly byOutcome = emptyOutcomeCounts();
  private reconnects = 0;
  private startedCount = 0;
  /** When the first session started and the last started one ended (ms): the span the rates are over. */
  private firstStartMs = Number.POSITIVE_INFINITY;
  private lastEndMs = Number.NEGATIVE_INFINITY;
  private endedCount = 0;
  private endedAfterStart = 0;
  private requestsPlanned = 0;
  private requestsNotCaptured = 0;
  private requestsSent = 0;
  private requestsAnswered = 0;
  /** Requests sent and not answered (yet), of those the capture has no answer to (SentRequest.unansweredInCapture). */
  private unansweredAsCaptured = 0;
  /** Requests sent and still awaiting their answer when the run stopped their session: not lost by the target. */
  private awaitingAtStop = 0;
  private bytesSent = 0;
  private bytesReceived = 0;
  private readonly httpStatus = new Map<number, number>();

  /** Latency of final sessions' requests: overall, per captured server port, per HTTP endpoint. */
  private readonly overall = new LatencyPairHistograms();
  private readonly byPort = new Map<number, LatencyPairHistograms>();
  /** Endpoints get their histograms in the order they are planned (else answered), up to maxEndpoints. */
  private readonly byEndpoint = new Map<string, EndpointHistograms>();
  private readonly otherEndpoint: EndpointHistograms = Object.assign(
    new LatencyPairHistograms(),
    OTHER_ENDPOINT,
  );

  /** Time to first byte as answers come, for the live view. */
  private readonly firstByte = new LatencyHistogram();
  private readonly sendLag = new LatencyHistogram();

  private readonly sentSeries = new BucketSeries(THROUGHPUT_INTERVAL_MS);
  private readonly answeredSeries = new BucketSeries(THROUGHPUT_INTERVAL_MS);
  private readonly bytesSentSeries = new BucketSeries(THROUGHPUT_INTERVAL_MS);
  private readonly bytesReceivedSeries = new BucketSeries(THROUGHPUT_INTERVAL_MS);

  private readonly recentErrors = new RecentList<RecentError>(RECENT_ERRORS);
  private readonly recentFailed = new RecentList<SessionRef>(LIST_LENGTH);
  private readonly slowest = new TopList<SessionRef>(LIST_LENGTH);

  constructor(options: RunMetricsOptions = {}) {
    this.startedAt = options.startedAt ?? new Date();
    const origin = performance.now();
    this.clock = options.clock ?? (() => performance.now() - origin);
    this.maxEndpoints = options.maxEndpoints ?? 200;
    this.rateWindowMs = options.rateWindowMs ?? 3000;
    this.expectedSessions = options.planned ?? 0;
    this.endedSessions = options.endedSessions;
  }

  /** Ms since the run started, by the collector's clock. */
  now(): number {
    return this.clock();
  }

  sessionPlanned(session: SessionPlanRow): SessionRef {
    const { sessionId, copy, loop, client, server, target, requestsPlanned } = session;
    const requestsNotCaptured = session.requestsNotCaptured ?? 0;
    const capture = session.capture ?? 0;
    this.requestsPlanned += requestsPlanned;
    this.requestsNotCaptured += requestsNotCaptured;
    // Optional fields set apart rather than spread in: a conditional spread builds each object
    // on V8's slow path (about 10 µs where a literal takes 0.1), once per session here.
    const result: SessionResult = {
      sessionId,
      copy,
      loop,
      client,
      server,
      target,
      outcome: 'stopped',
      requestsPlanned,
      requests: [],
      bytesSent: 0,
      bytesReceived: 0,
    };
    if (capture > 0) result.capture = capture;
    if (requestsNotCaptured > 0) result.requestsNotCaptured = requestsNotCaptured;
    return (
      this.sessions.push({
        result,
        port: portOf(server),
        started: false,
        ended: false,
        inputEnded: false,
        answered: 0,
        slowestMs: 0,
        awaitingAtStop: 0,
      }) - 1
    );
  }

  /**
   * One more captured request was read for a planned session (plans grow as the capture is read);
   * `notCaptured`: none of its bytes are in the capture, so it will not be sent.
   */
  requestPlanned(ref: SessionRef, notCaptured = false): void {
    this.requestsPlanned++;
    if (notCaptured) this.requestsNotCaptured++;
    const result = this.sessions[ref]?.result;
    if (!result) return;
    result.requestsPlanned++;
    if (notCaptured) result.requestsNotCaptured = (result.requestsNotCaptured ?? 0) + 1;
  }

  /**
   * A planned request is HTTP: its endpoint gets a latency histogram of its own if fewer than
   * maxEndpoints have one, so that the same capture gives two runs the same endpoints.
   */
  endpointPlanned(http: HttpRequestLine): void {
    if (this.acceptsEndpoints) this.endpointHistograms(http);
  }

  /** Fewer than maxEndpoints endpoints have their own histograms (else endpointPlanned does nothing). */
  get acceptsEndpoints(): boolean {
    return this.byEndpoint.size < this.maxEndpoints;
  }

  /** The session's captured requests have all been planned: it is final once it ended too. */
  inputEnded(ref: SessionRef): void {
    const tracked = this.sessions[ref];
    if (!tracked || tracked.inputEnded) return;
    tracked.inputEnded = true;
    if (tracked.ended) this.finalize(ref, tracked);
  }

  sessionStarted(ref: SessionRef, startedMs = this.clock(), replayedFrom?: string): void {
    const tracked = this.sessions[ref];
    if (!tracked || tracked.started) return;
    tracked.started = true;
    tracked.result.startedMs = round3(startedMs);
    if (replayedFrom !== undefined) tracked.result.replayedFrom = replayedFrom;
    this.startedCount++;
    this.firstStartMs = Math.min(this.firstStartMs, startedMs);
  }

  requestSent(ref: SessionRef, sent: SentRequest): void {
    // Every field present from the start (undefined until answered): one object shape, and no
    // reshaping when the answer comes. JSON leaves the undefined ones out.
    const request: RequestResult = {
      index: sent.index,
      scheduledMs: round3(sent.scheduledMs),
      sentMs: round3(sent.sentMs),
      bytesSent: sent.bytesSent,
      firstByteMs: undefined,
      lastByteMs: undefined,
      responseBytes: 0,
      http: sent.http ? { method: sent.http.method, path: sent.http.path } : undefined,
      unansweredInCapture: sent.unansweredInCapture === true ? true : undefined,
    };
    this.sessions[ref]?.result.requests.push(request);
    this.requestsSent++;
    if (sent.unansweredInCapture === true) this.unansweredAsCaptured++;
    this.sentSeries.add(sent.sentMs, 1);
    this.sendLag.record(Math.max(0, sent.sentMs - sent.scheduledMs));
  }

  /**
   * A response is complete (or the session ended after some response bytes). Told again when more
   * of it came before the next request went: its bytes and last byte grow, nothing else.
   */
  requestAnswered(ref: SessionRef, answer: AnsweredRequest): void {
    const tracked = this.sessions[ref];
    if (!tracked) return;
    const request = findRequest(tracked.result.requests, answer.index);
    if (!request) return;
    const again = request.firstByteMs !== undefined;
    if (again) {
      // The same response again, grown since (its tail came after it was judged over).
      request.responseBytes = Math.max(request.responseBytes, answer.responseBytes);
      request.lastByteMs = Math.max(request.lastByteMs ?? 0, round3(answer.lastByteMs));
    } else {
      if (answer.sentMs !== undefined) request.sentMs = round3(answer.sentMs);
      request.firstByteMs = round3(answer.firstByteMs);
      request.lastByteMs = round3(answer.lastByteMs);
      request.responseBytes = answer.responseBytes;
      this.requestsAnswered++;
      if (request.unansweredInCapture) this.unansweredAsCaptured--;
      else if (tracked.awaitingAtStop > 0) {
        tracked.awaitingAtStop--;
        this.awaitingAtStop--;
      }
      tracked.answered++;
      this.answeredSeries.add((request.sentMs ?? 0) + answer.lastByteMs, 1);
      this.firstByte.record(answer.firstByteMs);
    }
    // A status once: the first answer's, or the tail's when the head came only with it.
    const statusKnown = again && (request.http === undefined || request.http.status !== undefined);
    if (answer.status !== undefined && !statusKnown) {
      if (request.http) request.http.status = answer.status;
      this.httpStatus.set(answer.status, (this.httpStatus.get(answer.status) ?? 0) + 1);
    }
    if (answer.lastByteMs > tracked.slowestMs) {
      tracked.slowestMs = answer.lastByteMs;
      this.slowest.offer(ref, answer.lastByteMs);
    }
  }

  /** Bytes that went out and came in for a session (counted into the per-second series at `atMs`). */
  bytes(ref: SessionRef, sent: number, received: number, atMs = this.clock()): void {
    const result = this.sessions[ref]?.result;
    if (result) {
      result.bytesSent += sent;
      result.bytesReceived += received;
    }
    this.bytesSent += sent;
    this.bytesReceived += received;
    if (sent > 0) this.bytesSentSeries.add(atMs, sent);
    if (received > 0) this.bytesReceivedSeries.add(atMs, received);
  }

  /** The session is over. The first end reported wins; later ones are ignored. */
  sessionEnded(ref: SessionRef, end: SessionEnd): void {
    const tracked = this.sessions[ref];
    if (!tracked || tracked.ended) return;
    tracked.ended = true;
    const endedMs = end.endedMs ?? this.clock();
    if (end.reconnects) {
      tracked.result.reconnects = end.reconnects;
      this.reconnects += end.reconnects;
    }
    this.settle(tracked, end.outcome, end.reason, endedMs);
    if (isFailure(end.outcome)) {
      this.recentFailed.push(ref);
      this.recentErrors.push({
        atMs: endedMs,
        sessionId: tracked.result.sessionId,
        copy: tracked.result.copy,
        loop: tracked.result.loop,
        outcome: end.outcome,
        reason: end.reason ?? end.outcome,
      });
    }
    if (tracked.inputEnded) this.finalize(ref, tracked);
  }

  snapshot(): MetricsSnapshot {
    const elapsedMs = this.clock();
    const windowMs = Math.max(1, Math.min(this.rateWindowMs, elapsedMs));
    const perSecond = (series: BucketSeries) =>
      (series.sumBetween(elapsedMs - windowMs, elapsedMs) * 1000) / windowMs;
    const failed = countFailed(this.byOutcome);
    return {
      elapsedMs,
      sessions: {
        planned: Math.max(this.expectedSessions, this.sessions.length),
        started: this.startedCount,
        active: this.startedCount - this.endedAfterStart,
        ended: this.endedCount,
        completed: this.byOutcome.completed,
        failed,
        byOutcome: { ...this.byOutcome },
      },
      requests: { planned: this.requestsPlanned, sent: this.requestsSent, answered: this.requestsAnswered },
      bytes: { sent: this.bytesSent, received: this.bytesReceived },
      sentPerSecond: perSecond(this.sentSeries),
      answeredPerSecond: perSecond(this.answeredSeries),
      latency: {
        p50: this.firstByte.percentileMs(50),
        p99: this.firstByte.percentileMs(99),
      },
      sendLag: {
        p50: this.sendLag.percentileMs(50),
        p99: this.sendLag.percentileMs(99),
        max: this.sendLag.maxMs,
      },
      lastErrors: this.recentErrors.newestFirst(),
      slowestSessions: this.slowest.ranked().map(({ key }) => this.brief(key)),
      failedSessions: this.recentFailed.newestFirst().map((ref) => this.brief(ref)),
    };
  }

  /**
   * Everything measured, with every planned session: those still running are ended as
   * 'stopped'. Call once the replay is over (or was stopped).
   */
  measured(durationMs = this.clock()): MeasuredRun {
    const sessions: SessionResult[] = [];
    this.sessions.forEach((tracked, ref) => {
      if (!tracked) return;
      const final = tracked.ended && tracked.inputEnded;
      if (!tracked.ended) {
        tracked.ended = true;
        const reason = tracked.started
          ? 'the run ended before the session finished'
          : 'the run ended before the session started';
        this.settle(tracked, 'stopped', reason, durationMs);
      }
      if (!final) {
        tracked.inputEnded = true;
        this.finalize(ref, tracked);
      }
      if (!this.endedSessions) sessions.push(tracked.result);
    });
    sessions.sort(bySessionOrder);
    const answered = this.answeredSeries.toArray(durationMs);
    // Over the sessions' span: not the reading of the capture before the first, nor the wind-down.
    const spanStartMs = Number.isFinite(this.firstStartMs) ? this.firstStartMs : 0;
    const spanEndMs = Number.isFinite(this.lastEndMs) ? Math.min(this.lastEndMs, durationMs) : durationMs;
    const seconds = (spanEndMs - spanStartMs) / 1000;
    const meanRps = seconds > 0 ? round2(this.requestsAnswered / seconds) : 0;
    const unansweredAsCaptured = this.unansweredAsCaptured;
    return {
      durationMs,
      totals: {
        sessions: {
          planned: this.sessions.length,
          started: this.startedCount,
          completed: this.byOutcome.completed,
          failed: countFailed(this.byOutcome),
          byOutcome: { ...this.byOutcome },
          reconnects: this.reconnects,
        },
        requests: {
          planned: this.requestsPlanned,
          sent: this.requestsSent,
          answered: this.requestsAnswered,
          lost: this.requestsSent - this.requestsAnswered - unansweredAsCaptured - this.awaitingAtStop,
          unansweredAsCaptured,
          awaitingAtStop: this.awaitingAtStop,
          notCaptured: this.requestsNotCaptured,
        },
        bytes: { sent: this.bytesSent, received: this.bytesReceived },
        httpStatus: Object.fromEntries([...this.httpStatus].sort(([a], [b]) => a - b)),
      },
      latency: this.latencyBreakdown(),
      throughput: {
        intervalMs: THROUGHPUT_INTERVAL_MS,
        sent: this.sentSeries.toArray(durationMs),
        answered,
        bytesSent: this.bytesSentSeries.toArray(durationMs),
        bytesReceived: this.bytesReceivedSeries.toArray(durationMs),
        meanRps,
        // A run shorter than one bucket, or a busy last bucket cut short by the run's end, would
        // read below the mean: the busiest second ran at least at the mean rate.
        peakRps: Math.max((this.answeredSeries.peak() * 1000) / THROUGHPUT_INTERVAL_MS, meanRps),
      },
      sendLag: {
        count: this.sendLag.count,
        p50: this.sendLag.percentileMs(50),
        p99: this.sendLag.percentileMs(99),
        max: this.sendLag.maxMs,
        mean: this.sendLag.summary().mean,
      },
      sessions,
    };
  }

  private settle(
    tracked: Tracked,
    outcome: SessionOutcome,
    reason: string | undefined,
    endedMs: number,
  ): void {
    tracked.result.outcome = outcome;
    if (reason !== undefined) tracked.result.reason = reason;
    else delete tracked.result.reason;
    tracked.result.endedMs = round3(endedMs);
    this.byOutcome[outcome]++;
    this.endedCount++;
    if (outcome === 'stopped') {
      for (const request of tracked.result.requests) {
        if (request.firstByteMs === undefined && !request.unansweredInCapture) tracked.awaitingAtStop++;
      }
      this.awaitingAtStop += tracked.awaitingAtStop;
    }
    if (tracked.started) {
      this.endedAfterStart++;
      this.lastEndMs = Math.max(this.lastEndMs, endedMs);
    }
  }

  /**
   * A session just became final (ended, every request planned; each happens once, so this runs
   * once per session): its answered requests go into the latency breakdown and, with
   * `endedSessions`, its result there.
   */
  private finalize(ref: SessionRef, tracked: Tracked): void {
    let port: LatencyPairHistograms | undefined;
    for (const request of tracked.result.requests) {
      const { firstByteMs, lastByteMs } = request;
      if (firstByteMs === undefined || lastByteMs === undefined) continue;
      port ??= this.portHistograms(tracked.port);
      this.overall.record(firstByteMs, lastByteMs);
      port.record(firstByteMs, lastByteMs);
      if (request.http) this.endpointHistograms(request.http).record(firstByteMs, lastByteMs);
    }
    if (!this.endedSessions) return;
    this.endedSessions.add(tracked.result, ref);
    this.sessions[ref] = undefined;
    if (this.slowest.has(ref) || this.recentFailed.includes(ref)) {
      this.briefsOfGone.set(ref, this.briefOf(tracked));
      if (this.briefsOfGone.size > 4 * LIST_LENGTH) this.forgetUnlistedBriefs();
    }
  }

  private forgetUnlistedBriefs(): void {
    const listed = new Set([
      ...this.slowest.ranked().map((entry) => entry.key),
      ...this.recentFailed.newestFirst(),
    ]);
    for (const ref of this.briefsOfGone.keys()) if (!listed.has(ref)) this.briefsOfGone.delete(ref);
  }

  private portHistograms(port: number): LatencyPairHistograms {
    let histograms = this.byPort.get(port);
    if (!histograms) {
      histograms = new LatencyPairHistograms();
      this.byPort.set(port, histograms);
    }
    return histograms;
  }

  /** The endpoint's histograms; `(other)` once maxEndpoints endpoints have their own. */
  private endpointHistograms(http: HttpRequestLine): EndpointHistograms {
    const endpoint = endpointOf(http);
    const key = `${endpoint.method} ${endpoint.path}`;
    let histograms = this.byEndpoint.get(key);
    if (!histograms) {
      if (this.byEndpoint.size >= this.maxEndpoints) return this.otherEndpoint;
      histograms = Object.assign(new LatencyPairHistograms(), endpoint);
      this.byEndpoint.set(key, histograms);
    }
    return histograms;
  }

  /** Latency overall, per captured server port and per HTTP endpoint, of every answered request. */
  private latencyBreakdown(): MeasuredRun['latency'] {
    return {
      overall: this.overall.summary(),
      byPort: [...this.byPort]
        .sort(([a], [b]) => a - b)
        .map(([port, histograms]): PortLatency => ({ port, ...histograms.summary() })),
      byEndpoint: [...this.byEndpoint.values(), this.otherEndpoint]
        .filter((histograms) => histograms.lastByte.count > 0)
        .sort((a, b) => b.lastByte.count - a.lastByte.count)
        .map(
          (endpoint): EndpointLatency => ({
            method: endpoint.method,
            path: endpoint.path,
            ...endpoint.summary(),
          }),
        ),
    };
  }

  private brief(ref: SessionRef): SessionBrief {
    const tracked = this.sessions[ref];
    if (tracked) return this.briefOf(tracked);
    const gone = this.briefsOfGone.get(ref);
    if (gone) return gone;
    throw new Error(`session ref ${ref}: no brief`);
  }

  private briefOf(tracked: Tracked): SessionBrief {
    const { sessionId, copy, loop, client, outcome, reason, requestsPlanned } = tracked.result;
    const brief: SessionBrief = {
      sessionId,
      copy,
      loop,
      client,
      requestsDone: tracked.answered,
      requestsPlanned,
      slowestMs: tracked.slowestMs,
    };
    if (tracked.ended) brief.outcome = outcome;
    if (reason !== undefined) brief.reason = reason;
    return brief;
  }
}

function emptyOutcomeCounts(): Record<SessionOutcome, number> {
  return Object.fromEntries(SESSION_OUTCOMES.map((outcome) => [outcome, 0])) as Record<
    SessionOutcome,
    number
  >;
}

function countFailed(byOutcome: Record<SessionOutcome, number>): number {
  return FAILED_OUTCOMES.reduce((failed, outcome) => failed + byOutcome[outcome], 0);
}

function findRequest(requests: RequestResult[], index: number): RequestResult | undefined {
  for (let i = requests.length - 1; i >= 0; i--) if (requests[i].index === index) return requests[i];
  return undefined;
}

function portOf(address: string): number {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return Number.isInteger(port) ? port : 0;
}

function bySessionOrder(a: SessionResult, b: SessionResult): number {
  return (
    (a.capture ?? 0) - (b.capture ?? 0) || a.sessionId - b.sessionId || a.copy - b.copy || a.loop - b.loop
  );
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
