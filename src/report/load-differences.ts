/**
 * Why two runs of one capture may not have put the same load on their targets: replay options
 * that shape the load differ, or one run planned other sessions or was stopped before its end.
 * `compare` still compares them, with these warnings, since such a comparison can be intended.
 */
import { countsUnansweredApart } from './comparable-lost.ts';
import type { RunReport } from './schema.ts';

/** Replay options (as `options` keeps them) that change what is sent or when, with their flag. */
const LOAD_OPTIONS: ReadonlyArray<readonly [key: string, flag: string]> = [
  ['speed', '--speed'],
  ['concurrency', '--concurrency'],
  ['maxIdle', '--max-idle'],
  ['loop', '--loop'],
  ['sample', '--sample'],
  ['onlyComplete', '--only-complete'],
  ['wait', '--no-wait'],
  ['sessionTimeout', '--session-timeout'],
  ['multiply', '--multiply'],
  ['seed', '--seed'],
];

export function loadDifferences(baseline: RunReport, candidate: RunReport): string[] {
  const warnings: string[] = [];
  const shown = (value: unknown) =>
    value === undefined ? 'not given' : typeof value === 'string' ? value : JSON.stringify(value);
  for (const [key, flag] of LOAD_OPTIONS) {
    const [a, b] = [baseline.options[key], candidate.options[key]];
    if (JSON.stringify(a) !== JSON.stringify(b))
      warnings.push(`the runs used different ${flag}: ${shown(a)} and ${shown(b)}`);
  }
  if (countsUnansweredApart(baseline) !== countsUnansweredApart(candidate)) {
    const older = countsUnansweredApart(baseline) ? 'candidate' : 'baseline';
    warnings.push(
      `the ${older} report predates counting requests unanswered as in the capture apart: both sides count them in lost`,
    );
  }
  const [a, b] = [baseline.totals.sessions, candidate.totals.sessions];
  if (a.planned !== b.planned)
    warnings.push(`the runs planned different numbers of sessions: ${a.planned} and ${b.planned}`);
  for (const [role, totals] of [
    ['baseline', a],
    ['candidate', b],
  ] as const) {
    const stopped = totals.byOutcome.stopped;
    if (stopped > 0) warnings.push(`the ${role} run was stopped before ${stopped} of its sessions finished`);
  }
  return warnings;
}
