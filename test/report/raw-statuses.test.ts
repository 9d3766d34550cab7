/**
 * Found comparing a socket run and a raw run of one capture against one server that answered 3 of
 * 16 requests with a 500: the raw transport reads no response payload (intercept returns headers
 * only), so its report has no statuses, and `compare --fail-on http5xx=+0` read "3 → 0 better" and
 * passed, and passed as "0 → 0 unchanged" between two raw runs. A rule over statuses a run could not
 * read must say so (like a latency rule over a run that measured none), not pass. No network.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareReports } from '../../src/report/compare.ts';
import { renderComparisonHtml } from '../../src/report/compare-html.ts';
import { describeVerdict, formatComparison } from '../../src/report/compare-text.ts';
import { evaluateRules, parseRules } from '../../src/report/rules.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { formatSummary } from '../../src/report/summary.ts';
import { runReport } from './fixtures.ts';

const latenciesMs = Array.from({ length: 16 }, () => 1.6);
const statuses = latenciesMs.map((_, i) => (i < 3 ? 500 : 200));

/** The same run over the raw transport: the same answers, but no status read. */
function overRaw(report: RunReport): RunReport {
  return {
    ...report,
    transport: 'raw',
    totals: { ...report.totals, httpStatus: {} },
    sessions: report.sessions.map((s) => ({
      ...s,
      requests: s.requests.map(({ http, ...r }) =>
        http ? { ...r, http: { method: http.method, path: http.path } } : r,
      ),
    })),
  };
}

describe('compare: HTTP status rules over a raw run, which reads no statuses', () => {
  it('a raw candidate does not pass http5xx as "fewer 5xx" against a socket baseline', () => {
    const socket = runReport({ latenciesMs, statuses });
    const [verdict] = evaluateRules(parseRules('http5xx=+0'), socket, overRaw(socket));
    assert.ok(verdict);
    assert.equal(verdict.unmeasured, true, 'the candidate measured no status');
    assert.equal(verdict.crossed, true, 'a run that read no status is not one without errors');
  });

  it('two raw runs cannot tell: the rule says so and does not pass as unchanged', () => {
    const raw = overRaw(runReport({ latenciesMs, statuses }));
    const [verdict] = evaluateRules(parseRules('http5xx=+0'), raw, raw);
    assert.equal(verdict.crossed, false);
    assert.equal(verdict.notMeasuredBy, 'both');
  });

  it('a raw baseline against a socket candidate cannot tell either: its count is unknown, not 0', () => {
    const socket = runReport({ latenciesMs, statuses });
    const [verdict] = evaluateRules(parseRules('http5xx=+0'), overRaw(socket), socket);
    assert.equal(verdict.crossed, false);
    assert.equal(verdict.notMeasuredBy, 'baseline');
    assert.match(describeVerdict(verdict), /the baseline measured none, so it cannot tell$/);
    const html = renderComparisonHtml(compareReports(overRaw(socket), socket), [verdict]);
    assert.match(html, /<li class="untold">– http5xx=\+0/, 'the page does not show it passed');
  });

  it('compare shows no status counts or changes for a raw run, and the summary says why', () => {
    const socket = runReport({ latenciesMs, statuses });
    const raw = overRaw(socket);
    const comparison = compareReports(socket, raw);
    assert.equal(comparison.statusChanges.notRead, true);
    assert.equal(comparison.statusChanges.count, 0, 'no request listed as 500 -> none');
    const http5xx = comparison.sections.flatMap((s) => s.rows).find((row) => row.label === 'http 5xx');
    assert.equal(http5xx?.unmeasured, 'candidate');
    assert.match(
      formatComparison(comparison, [], { colour: false }),
      /HTTP status: not compared \(a raw run reads no HTTP status\)/,
    );
    assert.match(
      formatSummary(raw),
      /^http +statuses not read: the raw transport sees only TCP\/IP headers$/m,
    );
  });
});
