import type { RunReport } from './schema.ts';

/**
 * Whether a run read its answers' HTTP status. The raw transport does not: intercept returns the
 * TCP/IP headers of the target's packets, not their payload.
 */
export function readsHttpStatus(report: Pick<RunReport, 'transport'>): boolean {
  return report.transport !== 'raw';
}

/** Answers whose HTTP status is of the class `klass` (4 for 4xx, 5 for 5xx). */
export function answersOfClass(report: Pick<RunReport, 'totals'>, klass: 4 | 5): number {
  let count = 0;
  for (const [status, n] of Object.entries(report.totals.httpStatus)) {
    if (Math.floor(Number(status) / 100) === klass) count += n;
  }
  return count;
}
