/**
 * The comparison as one self-contained HTML page: inline CSS, inline SVG charts (latency
 * percentile bars, throughput over time of both runs), no script and no external asset.
 */
import type { Comparison, MetricRow } from './compare.ts';
import {
  describeStatusChange,
  describeVerdict,
  rowChange,
  rowDelta,
  rowValue,
  statusHeadline,
  verdictMark,
} from './compare-text.ts';
import { formatMs, printable } from './format.ts';
import type { RuleVerdict } from './rules.ts';

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d1d1f; max-width: 60rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid #e3e3e3; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.worse td { color: #b00020; font-weight: 600; } tr.better td { color: #1b7a2f; }
.baseline { fill: #7a8ca3; stroke: #7a8ca3; } .candidate { fill: #e07b00; stroke: #e07b00; }
polyline { fill: none; stroke-width: 1.5; }
svg text { font-size: 11px; fill: #444; stroke: none; }
.crossed { color: #b00020; font-weight: 600; } .passed { color: #1b7a2f; } .untold { color: #666; }
`;

export function renderComparisonHtml(comparison: Comparison, verdicts: RuleVerdict[]): string {
  const { baseline, candidate } = comparison;
  const body = [
    `<h1>reprise compare</h1>`,
    `<p><span class="legend-baseline">■</span> baseline <b>${escapeHtml(baseline.file)}</b> (reprise ${escapeHtml(baseline.version)}, ${escapeHtml(baseline.startedAt)})<br>`,
    `<span class="legend-candidate">■</span> candidate <b>${escapeHtml(candidate.file)}</b> (reprise ${escapeHtml(candidate.version)}, ${escapeHtml(candidate.startedAt)})</p>`,
    ...comparison.warnings.map((warning) => `<p class="crossed">warning: ${escapeHtml(warning)}</p>`),
    verdicts.length > 0 ? rulesHtml(verdicts) : '',
    `<h2>Latency percentiles, first byte</h2>`,
    percentileChart(comparison.charts.percentiles),
    `<h2>Requests answered per second</h2>`,
    throughputChart(comparison.charts.throughput),
    ...comparison.sections.map(
      (section) => `<h2>${escapeHtml(section.title)}</h2>\n${metricTable(section.rows)}`,
    ),
    statusHtml(comparison.statusChanges),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>reprise compare: ${escapeHtml(baseline.file)} vs ${escapeHtml(candidate.file)}</title>
<style>${STYLE}.legend-baseline { color: #7a8ca3; } .legend-candidate { color: #e07b00; }</style>
</head>
<body>
${body.filter(Boolean).join('\n')}
</body>
</html>
`;
}

function metricTable(rows: MetricRow[]): string {
  const header =
    '<tr><th></th><th>baseline</th><th>candidate</th><th>delta</th><th>change</th><th></th></tr>';
  const lines = rows.map((row) => {
    const marker = row.verdict === 'worse' ? '▲ worse' : row.verdict === 'better' ? '▼ better' : '';
    return `<tr class="${row.verdict}"><td>${escapeHtml(row.label)}</td><td>${rowValue(row, 'baseline')}</td><td>${rowValue(row, 'candidate')}</td><td>${rowDelta(row)}</td><td>${rowChange(row)}</td><td>${marker}</td></tr>`;
  });
  return `<table>\n${header}\n${lines.join('\n')}\n</table>`;
}

function rulesHtml(verdicts: RuleVerdict[]): string {
  const items = verdicts.map(
    (verdict) =>
      `<li class="${ruleClass(verdict)}">${verdictMark(verdict)} ${escapeHtml(describeVerdict(verdict))}</li>`,
  );
  return `<h2>Rules</h2>\n<ul>\n${items.join('\n')}\n</ul>`;
}

function ruleClass(verdict: RuleVerdict): string {
  return verdict.crossed ? 'crossed' : verdict.notMeasuredBy ? 'untold' : 'passed';
}

function statusHtml(changes: Comparison['statusChanges']): string {
  const sentence = statusHeadline(changes);
  const headline = `<h2>HTTP status</h2>\n<p>${escapeHtml(sentence[0].toUpperCase() + sentence.slice(1))}.</p>`;
  if (changes.count === 0) return headline;
  const items = changes.listed.map((change) => `<li>${escapeHtml(describeStatusChange(change))}</li>`);
  const more =
    changes.count > changes.listed.length
      ? `<li>… and ${changes.count - changes.listed.length} more</li>`
      : '';
  return `${headline}\n<ul>\n${items.join('\n')}${more}\n</ul>`;
}

const CHART = { width: 720, height: 240, left: 70, bottom: 30, top: 14, right: 12 } as const;
const PLOT_WIDTH = CHART.width - CHART.left - CHART.right;
const PLOT_HEIGHT = CHART.height - CHART.top - CHART.bottom;

function percentileChart(bars: Comparison['charts']['percentiles']): string {
  const top = niceCeiling(largest(bars.flatMap((bar) => [bar.baseline, bar.candidate])));
  const groupWidth = PLOT_WIDTH / bars.length;
  const barWidth = groupWidth * 0.35;
  const y = (value: number) => CHART.top + PLOT_HEIGHT - (value / top) * PLOT_HEIGHT;
  const shapes = bars.flatMap((bar, i) => {
    const x = CHART.left + i * groupWidth + groupWidth * 0.12;
    return (['baseline', 'candidate'] as const).map((run, j) => {
      const left = x + j * (barWidth + 4);
      const value = bar[run];
      return (
        `<rect class="${run}" x="${fixed(left)}" y="${fixed(y(value))}" width="${fixed(barWidth)}" height="${fixed(CHART.top + PLOT_HEIGHT - y(value))}"><title>${run} ${bar.label} ${formatMs(value)}</title></rect>` +
        `<text x="${fixed(left + barWidth / 2)}" y="${fixed(y(value) - 3)}" text-anchor="middle">${formatMs(value)}</text>`
      );
    });
  });
  const labels = bars.map(
    (bar, i) =>
      `<text x="${fixed(CHART.left + (i + 0.5) * groupWidth)}" y="${CHART.height - 10}" text-anchor="middle">${bar.label}</text>`,
  );
  return svg([axes(formatMs(top)), ...shapes, ...labels]);
}

/** A line has at most this many points: one per pixel of the plot, whatever the run's length. */
const MAX_POINTS = PLOT_WIDTH;

function throughputChart(series: Comparison['charts']['throughput']): string {
  const length = Math.max(series.baseline.length, series.candidate.length, 2);
  const group = Math.ceil(length / MAX_POINTS);
  const [baseline, candidate] = [series.baseline, series.candidate].map((values) =>
    ratesPerSecond(values, series.intervalMs, group),
  );
  const points = Math.max(Math.ceil(length / group), 2);
  const top = niceCeiling(largest([1, largest(baseline), largest(candidate)]));
  const point = (rate: number, i: number) => {
    const x = CHART.left + (i / (points - 1)) * PLOT_WIDTH;
    const y = CHART.top + PLOT_HEIGHT - (rate / top) * PLOT_HEIGHT;
    return `${fixed(x)},${fixed(y)}`;
  };
  const line = (run: 'baseline' | 'candidate', rates: number[]) =>
    `<polyline class="series ${run}" points="${rates.map(point).join(' ')}"><title>${run}</title></polyline>`;
  const seconds = ((length - 1) * series.intervalMs) / 1000;
  return svg([
    axes(`${top} rps`),
    line('baseline', baseline),
    line('candidate', candidate),
    `<text x="${CHART.left}" y="${CHART.height - 10}">0 s</text>`,
    `<text x="${CHART.width - CHART.right}" y="${CHART.height - 10}" text-anchor="end">${seconds} s</text>`,
  ]);
}

/** Counts per interval as requests/s, averaged over groups of `group` intervals. */
export function ratesPerSecond(values: number[], intervalMs: number, group: number): number[] {
  const rates: number[] = [];
  for (let from = 0; from < values.length; from += group) {
    const slice = values.slice(from, from + group);
    const sum = slice.reduce((total, value) => total + value, 0);
    rates.push((sum * 1000) / (slice.length * intervalMs));
  }
  return rates;
}

/** Math.max without spreading: a long run's series outgrows the call stack's argument room. */
function largest(values: number[]): number {
  let top = Number.NEGATIVE_INFINITY;
  for (const value of values) if (value > top) top = value;
  return top;
}

function axes(topLabel: string): string {
  const bottom = CHART.top + PLOT_HEIGHT;
  return (
    `<line x1="${CHART.left}" y1="${CHART.top}" x2="${CHART.left}" y2="${bottom}" stroke="#999"/>` +
    `<line x1="${CHART.left}" y1="${bottom}" x2="${CHART.width - CHART.right}" y2="${bottom}" stroke="#999"/>` +
    `<text x="${CHART.left - 6}" y="${CHART.top + 4}" text-anchor="end">${escapeHtml(topLabel)}</text>` +
    `<text x="${CHART.left - 6}" y="${bottom}" text-anchor="end">0</text>`
  );
}

function svg(parts: string[]): string {
  return `<svg viewBox="0 0 ${CHART.width} ${CHART.height}" width="${CHART.width}" height="${CHART.height}" role="img">\n${parts.join('\n')}\n</svg>`;
}

/** A round axis top at or above `value`: 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function fixed(value: number): string {
  return value.toFixed(1);
}

function escapeHtml(text: string): string {
  return printable(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
