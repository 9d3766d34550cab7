import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildReport } from '../../src/report/build.ts';
import { withComparableLost } from '../../src/report/comparable-lost.ts';
import { captureMismatch, compareReports, statusChanges } from '../../src/report/compare.ts';
import { renderComparisonHtml } from '../../src/report/compare-html.ts';
import { describeStatusChange, describeVerdict, formatComparison } from '../../src/report/compare-text.ts';
import { formatDuration } from '../../src/report/format.ts';
import { evaluateRules, parseRules } from '../../src/report/rules.ts';
import { formatSummary } from '../../src/report/summary.ts';
import { exchange, newMetrics, plan, runReport } from './fixtures.ts';

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
  it('an older report counted unanswered-as-captured requests in lost: both sides do, and a warning says so', () => {
    const older = runReport({ latenciesMs: steady });
    older.totals.requests.lost = 6;
    delete older.totals.requests.unansweredAsCaptured;
    const newer = runReport({ latenciesMs: steady });
    newer.totals.requests.lost = 0;
    newer.totals.requests.unansweredAsCaptured = 6;
    const [a, b] = withComparableLost(older, newer);
    const comparison = compareReports(a, b);
    const row = rowOf('Requests', 'lost', comparison);
    assert.deepEqual([row.baseline, row.candidate, row.verdict], [6, 6, 'same']);
    assert.ok(
      comparison.warnings.some((w) => /baseline report predates .* both sides count them in lost/.test(w)),
    );
    const [rule] = evaluateRules(parseRules('lost=+0'), a, b);
    assert.equal(rule.crossed, false);
    const [same] = withComparableLost(newer, newer);
    assert.equal(same, newer, 'reports alike are left alone');
  });

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

  it('tells a request one run did not send from one it sent and got no answer to', () => {
    const baseline = runReport({ latenciesMs: steady, statuses: steady.map(() => 200) });
    const candidate = structuredClone(baseline);
    candidate.sessions[0].requests = []; // its session ended before the request went
    delete candidate.sessions[1].requests[0].http?.status; // sent, never answered
    const changes = statusChanges(baseline, candidate);
    assert.deepEqual(
      changes.map((change) => [change.sessionId, change.unsent]),
      [
        [0, 'candidate'],
        [1, undefined],
      ],
    );
    assert.match(describeStatusChange(changes[0]), /200 → not sent$/);
    assert.match(describeStatusChange(changes[1]), /200 → none$/);
    const comparison = compareReports(baseline, candidate);
    assert.deepEqual([comparison.statusChanges.count, comparison.statusChanges.unsent], [2, 1]);
    assert.match(
      formatComparison(comparison, [], { colour: false }),
      /2 request\(s\) changed status \(1 of them not sent by one run/,
    );
  });

  it('leaves out sessions only one run replayed (-n, --loop, --sample): a load difference, not a status change', () => {
    const statuses = steady.map(() => 200);
    const baseline = runReport({ latenciesMs: steady, statuses });
    const candidate = structuredClone(baseline);
    const copy = structuredClone(baseline.sessions[2]);
    copy.copy = 1;
    candidate.sessions.push(copy);
    baseline.sessions.splice(4, 1);
    assert.deepEqual(
      statusChanges(baseline, candidate),
      [],
      'a copy of session 2, session 4: each in one run',
    );
    const notSent = structuredClone(candidate);
    Object.assign(notSent.sessions[5], { outcome: 'not-replayable', requests: [] });
    Object.assign(notSent.sessions[6], { outcome: 'stopped', requests: [], startedMs: undefined });
    assert.deepEqual(statusChanges(baseline, notSent), [], 'not replayable, or stopped before it started');
    const unsent = structuredClone(candidate);
    unsent.sessions[1].requests = [];
    assert.deepEqual(
      statusChanges(baseline, unsent).map((c) => [c.sessionId, c.baseline, c.candidate]),
      [[1, 200, undefined]],
      'a request one run did not send, in a session both replayed, still counts',
    );
  });

  it('tells sessions of a run of several captures apart: the same session id in two captures', () => {
    const statuses = steady.map(() => 200);
    const baseline = runReport({ latenciesMs: steady, statuses });
    const second = structuredClone(baseline.sessions[5]);
    second.capture = 1;
    baseline.sessions.push(second);
    const candidate = structuredClone(baseline);
    candidate.sessions.at(-1)!.requests[0].http!.status = 503;
    const changes = statusChanges(baseline, candidate);
    assert.deepEqual(
      changes.map((c) => [c.capture, c.sessionId, c.baseline, c.candidate]),
      [[1, 5, 200, 503]],
      'the change is in capture 1, and session 5 of capture 0 is not confused with it',
    );
    assert.match(describeStatusChange(changes[0]), /^capture 1 session 5 request 0/);
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

  it("says a crossed rule's change in the rule's own terms: % for a relative rule, the delta for an absolute one", () => {
    const [relative, absolute] = evaluateRules(
      parseRules('p99=+10%,p99=+0.1ms'),
      baseline,
      runReport({ latenciesMs: slower }),
    );
    assert.match(describeVerdict(relative), /\(\+25\.0%\)$/);
    assert.match(describeVerdict(absolute), /\(\+0\.200 ms\)$/);
  });

  it('counts HTTP 4xx and 5xx answers, which a target can return without failing a session', () => {
    const statuses = steady.map((_, i) => (i < 3 ? 503 : i < 5 ? 500 : i < 6 ? 404 : 200));
    const erring = runReport({ latenciesMs: steady, statuses });
    assert.deepEqual(crossed('http5xx=+0,http5xx=+5,http5xx=+4,http4xx=+0,http4xx=+1', erring), [
      true,
      false,
      true,
      true,
      false,
    ]);
    assert.deepEqual(crossed('http5xx=+0,http4xx=+0', runReport({ latenciesMs: steady })), [false, false]);
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

describe('a run without responses', () => {
  const answered = runReport({ latenciesMs: steady });
  const silent = runReport({ latenciesMs: [], failed: 100 });

  it('has no latency, which is worse, not 0 ms and better', () => {
    const comparison = compareReports(answered, silent);
    const p99 = rowOf('Latency, first byte', 'p99', comparison);
    assert.deepEqual([p99.verdict, p99.unmeasured], ['worse', 'candidate']);
    const endpoint = rowOf('First byte by endpoint (top 10)', 'GET /item/0 p50', comparison);
    assert.equal(endpoint.verdict, 'worse');
    assert.match(
      formatComparison(comparison, [], { colour: false }),
      /^ {2}p99 +0\.800 ms +none +n\/a +▲ worse$/m,
    );
    assert.match(
      renderComparisonHtml(comparison, []),
      /<td>p99<\/td><td>0\.800 ms<\/td><td>none<\/td><td>n\/a<\/td>/,
    );
    const back = rowOf('Latency, first byte', 'p99', compareReports(silent, answered));
    assert.deepEqual([back.verdict, back.unmeasured], ['same', 'baseline']);
  });

  it('has no send lag when it sent nothing: the rows say none, not 0 ms and better', () => {
    const lagged = runReport({ latenciesMs: steady });
    lagged.sendLag = { count: 100, p50: 0.5, p99: 1.09, max: 2, mean: 0.6 };
    const p99 = rowOf('Send lag', 'p99', compareReports(lagged, silent));
    assert.deepEqual([p99.verdict, p99.unmeasured], ['worse', 'candidate']);
    assert.match(formatSummary(silent), /^send lag {2}\(no request sent\)$/m);
    assert.match(formatSummary(lagged), /^send lag {2}p50 0\.500 ms {2}p99 1\.09 ms {2}max 2\.00 ms$/m);
  });

  it('crosses every latency and send lag rule, whatever its threshold', () => {
    const verdicts = evaluateRules(parseRules('p99=+1000%,ttlb.max=+10s,lag.p99=+1s'), answered, silent);
    assert.deepEqual(
      verdicts.map((verdict) => [verdict.crossed, verdict.unmeasured]),
      [
        [true, true],
        [true, true],
        [true, true],
      ],
    );
    assert.match(describeVerdict(verdicts[0]), /p99=\+1000%: first byte p99 0\.800 ms → none/);
    assert.match(
      describeVerdict(evaluateRules(parseRules('errors=+0'), answered, silent)[0]),
      /0 → 100 \(\+100\)$/,
    );
    assert.match(
      describeVerdict(evaluateRules(parseRules('p99=+0.1ms'), answered, answered)[0]),
      /p99=\+0\.1ms: first byte p99 .* \(unchanged\)$/,
    );
    const same = evaluateRules(parseRules('p99=+10%'), silent, silent);
    assert.equal(same[0].crossed, false, 'two runs without a response: nothing got worse');
  });
});

describe('load differences', () => {
  it('warns when the runs were not replayed alike, and only then', () => {
    const baseline = runReport({ latenciesMs: steady });
    assert.deepEqual(compareReports(baseline, runReport({ latenciesMs: slower })).warnings, []);
    const faster = runReport({ latenciesMs: steady });
    faster.options = { speed: 'max', multiply: '2' };
    assert.deepEqual(compareReports(baseline, faster).warnings, [
      'the runs used different --speed: 1 and max',
      'the runs used different --multiply: 1 and 2',
    ]);
  });

  it('warns when a run was stopped before its end, in the table and the page', () => {
    const { metrics } = newMetrics();
    const refs = [0, 1, 2].map((id) => plan(metrics, id));
    metrics.sessionStarted(refs[0], 0);
    exchange(metrics, refs[0], 0, 0, 1.6);
    metrics.sessionEnded(refs[0], { outcome: 'completed', endedMs: 2 });
    const stopped = buildReport(metrics, {
      captures: [{ name: 'capture.pcap', sha256: 'c'.repeat(64), bytes: 1000 }],
      options: { speed: 1 },
      targets: ['127.0.0.1:8080'],
      transport: 'socket',
      endedAt: new Date(metrics.startedAt.getTime() + 10),
    });
    const comparison = compareReports(runReport({ latenciesMs: [1.6, 1.6, 1.6] }), stopped);
    assert.deepEqual(comparison.warnings, [
      'the candidate run was stopped before 2 of its sessions finished',
    ]);
    assert.match(
      formatComparison(comparison, [], { colour: false }),
      /^warning: the candidate run was stopped/m,
    );
    assert.match(renderComparisonHtml(comparison, []), /warning: the candidate run was stopped/);
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

  it('draws a day-long run (86,400 intervals a run) at most one point per pixel', () => {
    const day = (perSecond: number) => {
      const report = runReport({ latenciesMs: steady });
      report.throughput.answered = Array.from({ length: 86_400 }, () => perSecond);
      return report;
    };
    const html = renderComparisonHtml(compareReports(day(40), day(50)), []);
    const lines = [...html.matchAll(/<polyline class="series (\w+)" points="([^"]*)"/g)];
    assert.equal(lines.length, 2);
    for (const [, run, points] of lines) {
      const count = points.split(' ').length;
      assert.ok(count > 100 && count <= 720, `${run}: ${count} points`);
    }
    assert.match(html, />50 rps</, 'the axis top is the rate per second, not per group');
  });

  it('keeps control characters from a capture out of the terminal, and shows them escaped', () => {
    const hostile = '/x\x1b[2J\x1b]0;owned\x07<script>';
    const before = runReport({ latenciesMs: [1.6], statuses: [200] });
    const after = runReport({ latenciesMs: [1.6], statuses: [500] });
    for (const report of [before, after]) {
      const http = report.sessions[0].requests[0].http;
      if (http) http.path = hostile;
      report.latency.byEndpoint[0].path = hostile;
    }
    const text = formatComparison(compareReports(before, after, ['a\x1b[31m.json', 'b.json']), [], {
      colour: false,
    });
    assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    assert.match(text, /GET \/x\\x1b\[2J\\x1b\]0;owned\\x07<script> {2}200 → 500/);
    assert.match(text, /a\\x1b\[31m\.json/);
    const html = renderComparisonHtml(compareReports(before, after), []);
    assert.doesNotMatch(html, /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|<script/);
  });

  it('escapes file names in the page', () => {
    const named = compareReports(baseline, candidate, ['<b>.json', 'a&b.json']);
    const html = renderComparisonHtml(named, []);
    assert.match(html, /&#60;b&#62;\.json/);
    assert.doesNotMatch(html, /<b>\.json/);
  });
});

describe('formatDuration', () => {
  it('never shows 60 seconds or 60.0 s', () => {
    assert.equal(formatDuration(59_960), '1 min 0 s');
    assert.equal(formatDuration(119_700), '2 min 0 s');
    assert.equal(formatDuration(59_900), '59.9 s');
    assert.equal(formatDuration(3_599_800), '1 h 0 min');
  });
});
