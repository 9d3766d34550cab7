import type { ReplayProgress } from './progress.ts';

type Failed = ReplayProgress['sessions']['failed'];

export function failedCount(failed: Failed): number {
  let total = 0;
  for (const n of Object.values(failed)) total += n ?? 0;
  return total;
}

/** `reset-by-target 5, timed-out 2`: the outcomes seen, most frequent first. */
export function failureBreakdown(failed: Failed): string {
  return Object.entries(failed)
    .filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ');
}
