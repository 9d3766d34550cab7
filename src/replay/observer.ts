/**
 * What the run and its transport tell the world as a replay progresses; the run's metrics
 * (report and live view) implement it. Times are ms since the run started.
 */
import type { AnsweredRequest, SentRequest, SessionEnd } from '../report/metrics.ts';
import type { PlannedSession } from './plan.ts';

export interface ReplayObserver {
  sessionPlanned(planned: PlannedSession): void;
  /** One more captured request was read for a planned session. */
  requestPlanned(planned: PlannedSession): void;
  /** The planned session's captured session was read to its end: no more requests come. */
  inputEnded(planned: PlannedSession): void;
  sessionStarted(planned: PlannedSession, startedMs: number, replayedFrom?: string): void;
  requestSent(planned: PlannedSession, sent: SentRequest): void;
  /** The response to a request is over (or the session ended while it was outstanding). */
  requestAnswered(planned: PlannedSession, answer: AnsweredRequest): void;
  /** Bytes that went out and came in, at `atMs` (default: now). */
  bytes(planned: PlannedSession, sent: number, received: number, atMs?: number): void;
  sessionEnded(planned: PlannedSession, end: SessionEnd): void;
}

/** What every transport needs from the run to pace one session. */
export interface SessionEnv {
  /** ms since the run started (monotonic). */
  nowMs(): number;
  /** Runs `fn` when the replay clock reaches `replayUs` on the replay timeline. */
  at(replayUs: number, fn: () => void): void;
  /** How late (ms) a send due at `replayUs` is now. */
  lateMs(replayUs: number): number;
  /** Current speed factor (Infinity for --speed max). */
  speed(): number;
  /** The session has sent every request read so far and waits for the capture to be read further. */
  needInput(planned: PlannedSession): void;
  observer: ReplayObserver;
}
