import { isFailure } from '../report/schema.ts';
import type { ReplayProgress } from './progress.ts';

type Ended = ReplayProgress['sessions']['notCompleted'];

/**
 * Sessions that ended other than completed, split as the report counts them: failures (the
 * target or the local side failed the session: FAILED_OUTCOMES) and the rest (stopped by the
 * user, not replayable), each with its breakdown by outcome.
 */
export interface Endings {
  failed: number;
  /** `reset-by-target 5, timed-out 2`: most frequent first. */
  failedBreakdown: string;
  notReplayed: number;
  notReplayedBreakdown: string;
}

export function sessionEndings(ended: Ended): Endings {
  const entries = Object.entries(ended).filter((e): e is [keyof Ended, number] => (e[1] ?? 0) > 0);
  const failures = entries.filter(([outcome]) => isFailure(outcome));
  const others = entries.filter(([outcome]) => !isFailure(outcome));
  return {
    failed: total(failures),
    failedBreakdown: breakdown(failures),
    notReplayed: total(others),
    notReplayedBreakdown: breakdown(others),
  };
}

function total(entries: Array<[string, number]>): number {
  return entries.reduce((sum, [, n]) => sum + n, 0);
}

function breakdown(entries: Array<[string, number]>): string {
  return [...entries]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ');
}
