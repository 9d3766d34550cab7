import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureMismatch, compareReports, statusChanges } from '../../src/report/compare.ts';
import { renderComparisonHtml } from '../../src/report/compare-html.ts';
import { formatComparison } from '../../src/report/compare-text.ts';
import { evaluateRules, parseRules } from '../../src/report/rules.ts';
import { runReport } from './fixtures.ts';

// Below 2.048 ms the histogram is exact to the µs, so these figures come back unchanged.
const steady = Array.from({ length: 100 }, () => 1.6);
const slower = Array.from({ length: 100 }, () => 2.0);

function rowOf(
  section: string,
  label: string,
  comparison = compareReports(
    runReport({ latenciesMs: steady }),
    runReport({ latenciesMs: slower, failed: 2 }),
  ),
) {
  const found = comparison.sections.find((s) => s.title === section)?.rows.find((r) => r.label === label);
  assert.ok(found, `${section} / ${label}`);
  return found;
}

describe('compareReports', () => {
  it('shows requests the capture did not hold when a report counts them, e.g. against an older baseline', () => {
    const older = runReport({ latenciesMs: steady });
    delete older.totals.requests.notCaptured;
    const newer = runReport({ latenciesMs: steady });
    newer.totals.requests.notCaptured = 3;
    const row = rowOf('Requests', 'not captured', compareReports(older, newer));
    assert.deepEqual([row.baseline, row.candidate, row.verdict], [0, 3, 'same'], 'neither better nor worse');
    const none = compareReports(runReport({ latenciesMs: steady }), runReport({ latenciesMs: steady }));
    const labels = none.sections.find((s) => s.title === 'Requests')?.rows.map((r) => r.label);
    assert.ok(labels && !labels.includes('not captured'), 'no row when neither run had any');
  });

  it('gives absolute and relative deltas and marks regressions', () => {
    const p50 = rowOf('Latency, last byte', 'p50');
    assert.equal(p50.baseline, 1.6);
    assert.equal(p50.candidate, 2.0);
    assert.ok(Math.abs(p50.delta - 0.4) < 1e-9);
    assert.ok(Math.abs((p50.relative ?? 0) - 0.25) < 1e-9);
    assert.equal(p50.verdict, 'worse');
    const failed = rowOf('Sessions', 'failed');
    assert.deepEqual(
      [failed.baseline, failed.candidate, failed.relative, failed.verdict],
      [0, 2, null, 'worse'],
    );
    assert.equal(rowOf('Sessions', 'reset-by-target').candidate, 2);
    assert.equal(rowOf('Sessions', 'planned').verdict, 'same');
  });

  it('calls a faster candidate better and ignores noise', () => {
    const faster = compareReports(runReport({ latenciesMs: slower }), runReport({ latenciesMs: steady }));
    assert.equal(rowOf('Latency, first byte', 'p99', faster).verdict, 'better');
    const noise = compareReports(
      runReport({ latenciesMs: steady }),
      runReport({ latenciesMs: steady.map(() => 1.61) }),
    );
    assert.equal(rowOf('Latency, first byte', 'p99', noise).verdict, 'same');
  });

  it('compares throughput and the top endpoints', () => {
    const comparison = compareReports(
      runReport({ latenciesMs: steady, durationMs: 10_000 }),
      runReport({ latenciesMs: steady, durationMs: 20_000 }),
    );
    const mean = rowOf('Throughput (answered)', 'mean rps', comparison);
    assert.deepEqual([mean.baseline, mean.candidate, mean.verdict], [10, 5, 'worse']);
    assert.ok(rowOf('First byte by endpoint (top 10)', 'GET /item/0 p99', comparison));
  });

  it('finds requests whose HTTP status changed, by session, copy, loop and request index', () => {
    const statuses = steady.map(() => 200);
    const changed = statuses.map((status, i) => (i === 7 ? 500 : i === 42 ? 404 : status));
    const baseline = runReport({ latenciesMs: steady, statuses });
    const candidate = runReport({ latenciesMs: steady, statuses: changed });
    assert.deepEqual(statusChanges(baseline, candidate), [
      {
        sessionId: 7,
        copy: 0,
        loop: 0,
        index: 0,
        method: 'GET',
        path: '/item/1',
        baseline: 200,
        candidate: 500,
      },
      {
        sessionId: 42,
        copy: 0,
        loop: 0,
        index: 0,
        method: 'GET',
        path: '/item/0',
        baseline: 200,
        candidate: 404,
      },
    ]);
    const noAnswer = structuredClone(candidate);
    delete noAnswer.sessions[3].requests[0].http!.status;
    assert.deepEqual(
      statusChanges(baseline, noAnswer).map((c) => [c.sessionId, c.baseline, c.candidate]),
      [
        [3, 200, undefined],
        [7, 200, 500],
        [42, 200, 404],
      ],
    );
    assert.equal(statusChanges(baseline, baseline).length, 0);
  });

  it('refuses runs of different captures', () => {
    const a = runReport({ latenciesMs: steady });
    const b = runReport({ latenciesMs: steady, sha256: 'd'.repeat(64) });
    assert.equal(captureMismatch(a, structuredClone(a), ['a.json', 'b.json']), undefined);
    assert.match(
      captureMismatch(a, b, ['a.json', 'b.json']) ?? '',
      /different captures: a\.json replayed capture\.pcap \(sha256 cccccccccccc…\), b\.json replayed capture\.pcap \(sha256 dddddddddddd…\)/,
    );
  });
});

describe('--fail-on rules', () => {
  const baseline = runReport({ latenciesMs: steady, lost: 1 });
  const crossed = (rules: string, candidate = runReport({ latenciesMs: slower, failed: 2, lost: 1 })) =>
    evaluateRules(parseRules(rules), baseline, candidate).map((verdict) => verdict.crossed);

  it('applies relative and absolute latency thresholds, first or last byte', () => {
    // first byte 0.8 -> 1.0 ms (+25%, +0.2 ms); last byte 1.6 -> 2.0 ms (+25%, +0.4 ms)
    assert.deepEqual(crossed('p50=+24%,p50=+25%,p99=+0.1ms,p99=+0.2ms,ttlb.p50=+0.39ms,ttlb.p50=+0.4ms'), [
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    assert.deepEqual(crossed('p99.9=+0.0002s,max=+199us,mean=+0.1ms'), [false, true, true]);
  });

  it('applies count rules to failed sessions and lost requests', () => {
    assert.deepEqual(crossed('errors=+0,errors=+1,errors=+2,lost=+0,lost=0'), [
      true,
      true,
      false,
      false,
      false,
    ]);
    assert.deepEqual(crossed('lost=+0', runReport({ latenciesMs: steady, lost: 3 })), [true]);
  });

  it('fails throughput on a drop, by default and with an explicit sign', () => {
    const halved = runReport({ latenciesMs: steady, durationMs: 20_000 });
    assert.deepEqual(
      crossed('throughput=-5%,throughput=5%,throughput=-60%,throughput=-4rps,throughput=-5', halved),
      [true, true, false, true, false],
    );
  });

  it('does not trip on floating-point dust at the exact threshold', () => {
    const b = runReport({ latenciesMs: steady.map(() => 1.0) });
    const c = runReport({ latenciesMs: steady.map(() => 1.1) });
    assert.deepEqual(
      evaluateRules(parseRules('ttlb.p50=+10%,ttlb.p50=+0.1ms'), b, c).map((v) => v.crossed),
      [false, false],
    );
  });

  it('names the rule that is wrong', () => {
    for (const [text, message] of [
      ['p98=+10%', /rule 'p98=\+10%': unknown metric 'p98'/],
      ['p99', /rule 'p99': expected <metric>=<threshold>/],
      ['p99=+10', /rule 'p99=\+10': p99 is a time: give % or ms/],
      ['errors=+2ms', /rule 'errors=\+2ms': errors is a count/],
      ['p99=ten', /rule 'p99=ten': the threshold must be a signed number/],
      [' , ', /no rule given/],
    ] as const) {
      assert.throws(() => parseRules(text), message);
    }
  });
});

describe('comparison output', () => {
  const baseline = runReport({ latenciesMs: steady });
  const candidate = runReport({ latenciesMs: slower, failed: 1, durationMs: 12_000 });
  const comparison = compareReports(baseline, candidate, ['base.json', 'cand.json']);
  const verdicts = evaluateRules(parseRules('p99=+10%'), baseline, candidate);

  it('marks regressions in words, and colours only when asked', () => {
    const plain = formatComparison(comparison, verdicts, { colour: false });
    assert.match(plain, /^ {2}p99 +0\.800 ms +1\.00 ms +\+0\.200 ms +\+25\.0% {2}▲ worse$/m);
    assert.match(plain, /✗ p99=\+10%: first byte p99 0\.800 ms → 1\.00 ms \(\+25\.0%\)/);
    assert.doesNotMatch(plain, /\x1b\[/);
    assert.match(formatComparison(comparison, verdicts, { colour: true }), /\x1b\[31m.*▲ worse/);
  });

  it('writes a self-contained HTML page with both throughput series', () => {
    const html = renderComparisonHtml(comparison, verdicts);
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<polyline class="series baseline" points="[\d., ]+">/);
    assert.match(html, /<polyline class="series candidate" points="[\d., ]+">/);
    assert.equal((html.match(/<rect class="(baseline|candidate)"/g) ?? []).length, 10);
    assert.doesNotMatch(html, /https?:|\/\/[a-z]|<script|<link|src=/i);
    for (const tag of ['html', 'head', 'body', 'svg', 'table', 'style', 'title', 'ul']) {
      const opened = (html.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
      const closed = (html.match(new RegExp(`</${tag}>`, 'g')) ?? []).length;
      assert.equal(opened, closed, `<${tag}> opened ${opened} times, closed ${closed}`);
    }
  });

  it('escapes file names in the page', () => {
    const named = compareReports(baseline, candidate, ['<b>.json', 'a&b.json']);
    const html = renderComparisonHtml(named, []);
    assert.match(html, /&#60;b&#62;\.json/);
    assert.doesNotMatch(html, /<b>\.json/);
  });
});
