import type { RunReport } from './schema.ts';

/**
 * Whether a run read its answers' HTTP status. The raw transport does not: intercept returns the
 * TCP/IP headers of the target's packets, not their payload.
 */
export function readsHttpStatus(report: Pick<RunReport, 'transport'>): boolean {
  return report.transport !== 'raw';
}
