/**
 * Reports written before `unansweredAsCaptured` existed counted those requests in `lost`. Compared
 * with a newer report, both sides count them in `lost`, so that the row and a `lost` rule compare
 * like with like (loadDifferences says so).
 */
import type { RunReport } from './schema.ts';

export function withComparableLost(baseline: RunReport, candidate: RunReport): [RunReport, RunReport] {
  if (countsUnansweredApart(baseline) === countsUnansweredApart(candidate)) return [baseline, candidate];
  return [foldedIntoLost(baseline), foldedIntoLost(candidate)];
}

export function countsUnansweredApart(report: RunReport): boolean {
  return report.totals.requests.unansweredAsCaptured !== undefined;
}

function foldedIntoLost(report: RunReport): RunReport {
  const requests = report.totals.requests;
  const apart = requests.unansweredAsCaptured ?? 0;
  if (apart === 0) return report;
  return {
    ...report,
    totals: { ...report.totals, requests: { ...requests, lost: requests.lost + apart } },
  };
}
