/**
 * Replay timing checks shared by the transports' e2e tests: when the capture sent each request,
 * and when a run sent it. Tolerances are generous (tens of ms) so that a busy machine does not
 * fail them; the benchmarks measure lag.
 */
import assert from 'node:assert/strict';
import type { RunReport } from '../../src/report/schema.ts';
import { capturedSessions } from './captured.ts';

/**
 * Well under the tests' spacing of requests (150 ms and more), so that a replay sending as fast as
 * it can still fails; over what a loaded 2-core machine adds to a raw session's handshake through
 * intercept (42 ms seen once with the whole suite and other work running).
 */
export const SEND_TOLERANCE_MS = 60;

/** When each request of the capture was sent, in ms from `originUs` (capture time), in order. */
export async function capturedSendTimesMs(path: string, originUs: number): Promise<number[]> {
  const sessions = await capturedSessions(path);
  return sessions
    .flatMap((s) => s.requests.map((r) => (s.startUs - originUs + r.offsetUs) / 1000))
    .sort((a, b) => a - b);
}

/** When each request of a run was sent (ms since the run started), in order. */
export function sendTimes(report: RunReport): number[] {
  return report.sessions.flatMap((s) => s.requests.map((r) => r.sentMs ?? Number.NaN)).sort((a, b) => a - b);
}

/** Every request of the run went out within SEND_TOLERANCE_MS of its captured time. */
export function assertSentOnSchedule(report: RunReport, expectedMs: number[]): void {
  const actual = sendTimes(report);
  assert.equal(actual.length, expectedMs.length, 'requests sent');
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expectedMs[i]) < SEND_TOLERANCE_MS,
      `request ${i}: sent at ${actual[i].toFixed(1)} ms, captured at ${expectedMs[i].toFixed(1)} ms`,
    );
  }
}
