/** Feeds a RunMetrics the way a replay does, with a clock the test moves. */
import { buildReport } from '../../src/report/build.ts';
import {
  type AnsweredRequest,
  type EndedSessionSink,
  RunMetrics,
  type SessionPlanRow,
  type SessionRef,
} from '../../src/report/metrics.ts';
import type { RunReport } from '../../src/report/schema.ts';

export class FakeClock {
  ms = 0;
  readonly now = () => this.ms;
}

export function newMetrics(
  options: { planned?: number; maxEndpoints?: number; endedSessions?: EndedSessionSink } = {},
) {
  const clock = new FakeClock();
  const metrics = new RunMetrics({
    ...options,
    clock: clock.now,
    startedAt: new Date('2026-01-02T03:04:05.000Z'),
  });
  return { clock, metrics };
}

export function plan(
  metrics: RunMetrics,
  sessionId: number,
  overrides: Partial<SessionPlanRow> = {},
): SessionRef {
  return metrics.sessionPlanned({
    sessionId,
    copy: 0,
    loop: 0,
    client: `10.0.0.1:${40000 + sessionId}`,
    server: '10.0.0.2:80',
    target: '127.0.0.1:8080',
    requestsPlanned: 1,
    ...overrides,
  });
}

/** One request sent at `sentMs` and answered after `latencyMs` (first byte at half of it). */
export function exchange(
  metrics: RunMetrics,
  ref: SessionRef,
  index: number,
  sentMs: number,
  latencyMs: number,
  extra: { path?: string; status?: number; scheduledMs?: number } = {},
): void {
  metrics.requestSent(ref, {
    index,
    scheduledMs: extra.scheduledMs ?? sentMs,
    sentMs,
    bytesSent: 100,
    ...(extra.path ? { http: { method: 'GET', path: extra.path } } : {}),
  });
  const answer: AnsweredRequest = {
    index,
    firstByteMs: latencyMs / 2,
    lastByteMs: latencyMs,
    responseBytes: 500,
  };
  if (extra.status !== undefined) answer.status = extra.status;
  metrics.requestAnswered(ref, answer);
}

export interface RunShape {
  /** Last-byte latency of each request, in order (first byte is half). */
  latenciesMs: number[];
  /** Sessions (after the answered ones) that end reset-by-target. */
  failed?: number;
  /** HTTP status per request, same order as latenciesMs. */
  statuses?: number[];
  /** Requests sent but never answered, after the others. */
  lost?: number;
  sha256?: string;
  durationMs?: number;
}

/**
 * A whole run report: one session per request, on port 80, each request GET /item/<i % 3>. The
 * sessions follow one another through the run, each open until the next starts.
 */
export function runReport(shape: RunShape): RunReport {
  const { metrics } = newMetrics();
  const durationMs = shape.durationMs ?? 10_000;
  const spacingMs = durationMs / shape.latenciesMs.length;
  shape.latenciesMs.forEach((latency, i) => {
    const ref = plan(metrics, i);
    const sentMs = i * spacingMs;
    metrics.sessionStarted(ref, sentMs);
    const status = shape.statuses?.[i];
    exchange(metrics, ref, 0, sentMs, latency, { path: `/item/${i % 3}`, ...(status ? { status } : {}) });
    metrics.sessionEnded(ref, {
      outcome: 'completed',
      endedMs: Math.max(sentMs + latency, sentMs + spacingMs),
    });
  });
  let next = shape.latenciesMs.length;
  for (let i = 0; i < (shape.lost ?? 0); i++, next++) {
    const ref = plan(metrics, next);
    metrics.sessionStarted(ref, 0);
    metrics.requestSent(ref, { index: 0, scheduledMs: 0, sentMs: 0, bytesSent: 10 });
    metrics.sessionEnded(ref, { outcome: 'completed', endedMs: 1 });
  }
  for (let i = 0; i < (shape.failed ?? 0); i++, next++) {
    const ref = plan(metrics, next);
    metrics.sessionStarted(ref, 0);
    metrics.sessionEnded(ref, { outcome: 'reset-by-target', reason: 'ECONNRESET', endedMs: 1 });
  }
  return buildReport(metrics, {
    captures: [{ name: 'capture.pcap', sha256: shape.sha256 ?? 'c'.repeat(64), bytes: 1000 }],
    options: { speed: 1 },
    targets: ['127.0.0.1:8080'],
    transport: 'socket',
    endedAt: new Date(metrics.startedAt.getTime() + durationMs),
  });
}
