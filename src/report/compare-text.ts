/** The comparison as a terminal table: colour only when asked, and a word marker either way. */
import type { Comparison, MetricRow, RunHeader, StatusChange } from './compare.ts';
import { formatDuration, formatMs, formatNumber, formatPercent, printable } from './format.ts';
import type { RuleVerdict } from './rules.ts';

const COLOURS = { worse: '\x1b[31m', better: '\x1b[32m', bold: '\x1b[1m', reset: '\x1b[0m' } as const;
const MARKERS = { worse: '▲ worse', better: '▼ better', same: '' } as const;
const WIDTHS = { label: 28, value: 12, delta: 12, percent: 9 } as const;

export interface TextOptions {
  colour: boolean;
}

export function formatComparison(
  comparison: Comparison,
  verdicts: RuleVerdict[],
  options: TextOptions,
): string {
  const paint = (code: keyof typeof COLOURS, text: string) =>
    options.colour && text ? `${COLOURS[code]}${text}${COLOURS.reset}` : text;
  const lines = [
    runLine('baseline ', comparison.baseline),
    runLine('candidate', comparison.candidate),
    ...comparison.warnings.map((warning) => paint('worse', `warning: ${printable(warning)}`)),
    '',
    paint(
      'bold',
      [
        ''.padEnd(WIDTHS.label),
        'baseline'.padStart(WIDTHS.value),
        'candidate'.padStart(WIDTHS.value),
        'delta'.padStart(WIDTHS.delta),
        'change'.padStart(WIDTHS.percent),
      ].join(' '),
    ),
  ];
  for (const section of comparison.sections) {
    lines.push(paint('bold', section.title));
    for (const metric of section.rows) lines.push(rowLine(metric, paint));
  }
  lines.push('', ...statusLines(comparison.statusChanges));
  if (verdicts.length > 0) lines.push('', ...ruleLines(verdicts, paint));
  return `${lines.join('\n')}\n`;
}

function runLine(role: string, run: RunHeader): string {
  return printable(
    `${role}  ${run.file}  (reprise ${run.version}, ${run.startedAt}, ${formatDuration(run.durationMs)}, target ${run.targets.join(', ') || '-'})`,
  );
}

function rowLine(metric: MetricRow, paint: (code: keyof typeof COLOURS, text: string) => string): string {
  const cells = [
    `  ${printable(metric.label)}`.padEnd(WIDTHS.label),
    rowValue(metric, 'baseline').padStart(WIDTHS.value),
    rowValue(metric, 'candidate').padStart(WIDTHS.value),
    rowDelta(metric).padStart(WIDTHS.delta),
    rowChange(metric).padStart(WIDTHS.percent),
  ].join(' ');
  if (metric.verdict === 'same') return cells;
  return paint(metric.verdict, `${cells}  ${MARKERS[metric.verdict]}`);
}

export function formatValue(unit: MetricRow['unit'], value: number): string {
  return unit === 'ms' ? formatMs(value) : formatNumber(value);
}

/** A run's figure in a row, `none` where the run measured nothing. */
export function rowValue(metric: MetricRow, run: 'baseline' | 'candidate'): string {
  const none = metric.unmeasured === run || metric.unmeasured === 'both';
  return none ? 'none' : formatValue(metric.unit, metric[run]);
}

export function rowDelta(metric: MetricRow): string {
  if (metric.unmeasured) return metric.unmeasured === 'both' ? '=' : 'n/a';
  return formatDelta(metric.unit, metric.delta);
}

/** A signed change in the metric's unit (`+3.00 ms`), `=` for none. */
function formatDelta(unit: MetricRow['unit'], delta: number): string {
  if (delta === 0) return '=';
  return `${delta > 0 ? '+' : '-'}${formatValue(unit, Math.abs(delta))}`;
}

export function rowChange(metric: MetricRow): string {
  return metric.delta === 0 || metric.unmeasured ? '' : formatPercent(metric.relative);
}

/** What the status comparison found, in one sentence (the text table's and the HTML page's). */
export function statusHeadline(changes: Comparison['statusChanges']): string {
  if (changes.notRead) return 'not compared (a raw run reads no HTTP status)';
  if (changes.count === 0) return 'no request changed status';
  const unsent =
    changes.unsent > 0
      ? ` (${changes.unsent} of them not sent by one run: its session ended before them)`
      : '';
  return `${changes.count} request(s) changed status${unsent}`;
}

function statusLines(changes: Comparison['statusChanges']): string[] {
  const lines = [`HTTP status: ${statusHeadline(changes)}`];
  for (const change of changes.listed) lines.push(`  ${describeStatusChange(change)}`);
  if (changes.count > changes.listed.length)
    lines.push(`  … and ${changes.count - changes.listed.length} more`);
  return lines;
}

export function describeStatusChange(change: StatusChange): string {
  const where = `${change.capture ? `capture ${change.capture} ` : ''}session ${change.sessionId}${change.copy ? ` copy ${change.copy}` : ''}${change.loop ? ` loop ${change.loop}` : ''} request ${change.index}`;
  const status = (value: number | undefined, run: 'baseline' | 'candidate') =>
    value !== undefined ? String(value) : change.unsent === run ? 'not sent' : 'none';
  return printable(
    `${where}  ${change.method ?? ''} ${change.path ?? ''}  ${status(change.baseline, 'baseline')} → ${status(change.candidate, 'candidate')}`,
  );
}

function ruleLines(
  verdicts: RuleVerdict[],
  paint: (code: keyof typeof COLOURS, text: string) => string,
): string[] {
  return [
    'Rules',
    ...verdicts.map((verdict) => {
      const line = `  ${verdictMark(verdict)} ${describeVerdict(verdict)}`;
      return verdict.crossed ? paint('worse', line) : line;
    }),
  ];
}

/** ✗ crossed, ✓ passed, – cannot tell (the baseline did not measure the figure). */
export function verdictMark(verdict: RuleVerdict): string {
  return verdict.crossed ? '✗' : verdict.notMeasuredBy ? '–' : '✓';
}

/** `p99=+10%: first byte p99 12.0 ms → 15.0 ms (+25.0%)`. */
export function describeVerdict(verdict: RuleVerdict): string {
  const { baseline, candidate } = verdict;
  if (verdict.unmeasured)
    return `${printable(verdict.rule.text)}: ${verdict.description} ${formatValue(verdict.unit, baseline)} → none (the candidate measured none)`;
  if (verdict.notMeasuredBy) {
    const who = verdict.notMeasuredBy === 'both' ? 'measured by neither run' : 'the baseline measured none';
    return `${printable(verdict.rule.text)}: ${verdict.description}: ${who}, so it cannot tell`;
  }
  const relative = baseline === 0 ? null : (candidate - baseline) / baseline;
  const delta = candidate - baseline;
  // In the rule's own terms: a rule in % reads the relative change, one in ms or a count the delta.
  const change =
    delta === 0
      ? 'unchanged'
      : relative === null || !verdict.rule.relative
        ? formatDelta(verdict.unit, delta)
        : formatPercent(relative);
  return `${printable(verdict.rule.text)}: ${verdict.description} ${formatValue(verdict.unit, baseline)} → ${formatValue(verdict.unit, candidate)} (${change})`;
}
