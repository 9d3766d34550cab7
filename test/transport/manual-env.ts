/**
 * A SessionEnv for driving one transport session in a test: a real ReplayClock (speed 1 unless
 * told) over a wall clock the test moves by hand (or the real one), and an observer that keeps
 * what the session reported.
 */
import assert from 'node:assert/strict';
import { ReplayClock } from '../../src/replay/clock.ts';
import type { ReplayObserver, SessionEnv } from '../../src/replay/observer.ts';
import type { AnsweredRequest, SentRequest, SessionEnd } from '../../src/report/metrics.ts';

export interface ManualEnv {
  env: SessionEnv;
  sent: SentRequest[];
  answered: AnsweredRequest[];
  /** Resolves with the session's end. */
  ended: Promise<SessionEnd>;
  setNow(ms: number): void;
  /** What the session scheduled on the replay clock (with allowFuture). */
  due: Array<{ us: number; run: () => void }>;
}

/**
 * `allowFuture`: what the session schedules (env.at) is kept in `due`, not refused. `realTime`:
 * the clock is the real one (setNow does nothing), and what is scheduled runs when due.
 */
export function manualEnv({ allowFuture = false, realTime = false, speed = 1 } = {}): ManualEnv {
  const due: Array<{ us: number; run: () => void }> = [];
  const startMs = performance.now();
  let wallMs = 0;
  const now = realTime ? () => performance.now() - startMs : () => wallMs;
  const clock = new ReplayClock(now, speed);
  const sent: SentRequest[] = [];
  const answered: AnsweredRequest[] = [];
  let onEnd: (end: SessionEnd) => void = () => {};
  const ended = new Promise<SessionEnd>((resolve) => {
    onEnd = resolve;
  });
  const observer: ReplayObserver = {
    sessionPlanned() {},
    requestPlanned() {},
    inputEnded() {},
    sessionStarted() {},
    requestSent: (_p, s) => sent.push(s),
    requestAnswered: (_p, a) => answered.push(a),
    bytes() {},
    sessionEnded: (_p, end) => onEnd(end),
  };
  // As the run's due queue: never before the time (setTimeout may fire a little early).
  const runWhenDue = (us: number, run: () => void): void => {
    const delayMs = clock.delayMs(us);
    if (delayMs > 0) setTimeout(() => runWhenDue(us, run), Math.ceil(delayMs));
    else run();
  };
  const env: SessionEnv = {
    nowMs: now,
    at: (us, run) => {
      if (realTime) runWhenDue(us, run);
      else if (!allowFuture) assert.fail('nothing here is due in the future');
      else due.push({ us, run });
    },
    lateMs: (us) => clock.lateMs(us),
    speed: () => clock.speed,
    needInput() {},
    observer,
  };
  return { env, sent, answered, ended, due, setNow: (ms) => (wallMs = ms) };
}
