import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildReport } from '../../src/report/build.ts';
import { readReport, reportText, writeReport } from '../../src/report/io.ts';
import { REPORT_SCHEMA, type RunReport } from '../../src/report/schema.ts';
import { describeCapture, sha256File } from '../../src/report/sha256.ts';
import { formatSummary } from '../../src/report/summary.ts';
import { ReportError } from '../../src/report/validate.ts';
import { version } from '../../src/version.ts';
import { corpusFile } from '../helpers/corpus.ts';
import { exchange, newMetrics, plan } from './fixtures.ts';

const CAPTURE = corpusFile('zeek_http_bro.org.pcap');

function sampleReport(): RunReport {
  const { metrics } = newMetrics({ planned: 3 });
  const done = plan(metrics, 0, { requestsPlanned: 2 });
  metrics.sessionStarted(done, 0, '127.0.0.1:50000');
  exchange(metrics, done, 0, 0, 4, { path: '/', status: 200 });
  exchange(metrics, done, 1, 10, 6, { path: '/x', status: 404 });
  metrics.bytes(done, 200, 1000, 20);
  metrics.sessionEnded(done, { outcome: 'completed', endedMs: 30 });
  const reset = plan(metrics, 1);
  metrics.sessionStarted(reset, 5);
  metrics.sessionEnded(reset, { outcome: 'reset-by-target', reason: 'ECONNRESET', endedMs: 8 });
  plan(metrics, 2);
  return buildReport(metrics, {
    captures: [{ name: 'a.pcap', sha256: 'a'.repeat(64), bytes: 123 }],
    options: { speed: 1, loop: undefined, transfer: ['80-127.0.0.1:8080'] },
    targets: ['127.0.0.1:8080'],
    transport: 'socket',
    endedAt: new Date('2026-01-02T03:04:07.500Z'),
  });
}

describe('buildReport', () => {
  it('describes the run and accounts for every planned session', () => {
    const report = sampleReport();
    assert.equal(report.schema, REPORT_SCHEMA);
    assert.deepEqual(report.tool, { name: 'reprise', version });
    assert.equal(report.startedAt, '2026-01-02T03:04:05.000Z');
    assert.equal(report.endedAt, '2026-01-02T03:04:07.500Z');
    assert.equal(report.durationMs, 2500);
    assert.deepEqual(report.options, { speed: 1, transfer: ['80-127.0.0.1:8080'] });
    assert.deepEqual(
      report.sessions.map((s) => s.outcome),
      ['completed', 'reset-by-target', 'stopped'],
    );
    assert.equal(report.totals.sessions.planned, report.sessions.length);
    assert.equal(report.sessions[0].replayedFrom, '127.0.0.1:50000');
  });

  it('prints a summary a person can read', () => {
    const summary = formatSummary(sampleReport());
    assert.match(summary, /sessions {2}3 planned: 1 completed, 1 reset-by-target, 1 stopped/);
    assert.match(summary, /requests {2}2\/4 sent, 2 answered, 0 lost/);
    assert.match(summary, /last byte {2}p50 4\.00 ms .* max 6\.00 ms/);
    assert.match(summary, /http {6}200 ×1 {2}404 ×1/);
  });
});

describe('writeReport and readReport', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rp-report-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a report and leaves no temporary file behind', async () => {
    const path = join(dir, 'run.json');
    const report = sampleReport();
    await writeReport(path, report);
    assert.deepEqual(await readReport(path), JSON.parse(JSON.stringify(report)));
    assert.deepEqual(await readdir(dir), ['run.json']);
  });

  it('replaces an old report whole, and leaves nothing behind when it cannot', async () => {
    const path = join(dir, 'replace.json');
    await writeFile(path, 'old');
    await writeReport(path, sampleReport());
    assert.equal((await readReport(path)).sessions.length, 3);
    const blocked = join(dir, 'blocked.json');
    await mkdir(join(blocked, 'inside'), { recursive: true });
    await assert.rejects(writeReport(blocked, sampleReport()), /EISDIR|ENOTEMPTY|EEXIST/);
    assert.deepEqual((await readdir(dir)).sort(), ['blocked.json', 'replace.json', 'run.json']);
  });

  it('names the file and the wrong field', async () => {
    const cases: Array<[string, (report: Record<string, unknown>) => void, RegExp]> = [
      ['missing.json', () => {}, /missing\.json: cannot read the report \(ENOENT\)/],
      ['text.json', () => {}, /text\.json: not JSON/],
      ['other.json', (r) => (r.schema = 'something/1'), /other\.json: not a reprise run report/],
      [
        'future.json',
        (r) => (r.schema = 'reprise.run/2'),
        /future\.json: report schema 'reprise\.run\/2' is not supported/,
      ],
      [
        'planned.json',
        (r) => ((r.totals as { sessions: { planned: unknown } }).sessions.planned = '3'),
        /planned\.json: field 'totals\.sessions\.planned' must be a number, found "3"/,
      ],
      [
        'outcome.json',
        (r) => ((r.sessions as Array<{ outcome: string }>)[1].outcome = 'exploded'),
        /field 'sessions\[1\]\.outcome' must be one of completed, .*, found "exploded"/,
      ],
      [
        'sha.json',
        (r) => ((r.captures as Array<{ sha256: string }>)[0].sha256 = 'xyz'),
        /field 'captures\[0\]\.sha256' must be a sha256 in hex/,
      ],
      [
        'not-captured.json',
        (r) => ((r.sessions as Array<Record<string, unknown>>)[0].requestsNotCaptured = 'two'),
        /field 'sessions\[0\]\.requestsNotCaptured' must be a number, found "two"/,
      ],
      [
        'p99.json',
        (r) => delete (r.latency as { overall: { lastByte: Record<string, unknown> } }).overall.lastByte.p99,
        /field 'latency\.overall\.lastByte\.p99' must be a number, found nothing/,
      ],
      [
        'status-count.json',
        (r) => ((r.totals as { httpStatus: Record<string, unknown> }).httpStatus['404'] = '1'),
        /field 'totals\.httpStatus\.404' must be a number, found "1"/,
      ],
      [
        'interval.json',
        (r) => ((r.throughput as { intervalMs: number }).intervalMs = 0),
        /field 'throughput\.intervalMs' must be a positive number, found number 0/,
      ],
      [
        'negative-lost.json',
        (r) => ((r.totals as { requests: { lost: number } }).requests.lost = -5),
        /field 'totals\.requests\.lost' must be a number of at least 0, found number -5/,
      ],
      [
        'negative-p99.json',
        (r) => ((r.latency as { overall: { firstByte: { p99: number } } }).overall.firstByte.p99 = -1e308),
        /field 'latency\.overall\.firstByte\.p99' must be a number of at least 0/,
      ],
      [
        'targets.json',
        (r) => (r.targets = [8080]),
        /field 'targets\[0\]' must be a string, found number 8080/,
      ],
      [
        'warnings.json',
        (r) => (r.warnings = ['a clock step', 7]),
        /field 'warnings\[1\]' must be a string, found number 7/,
      ],
      [
        'method.json',
        (r) =>
          delete (r.sessions as Array<{ requests: Array<{ http: { method?: string } }> }>)[0].requests[0].http
            .method,
        /field 'sessions\[0\]\.requests\[0\]\.http\.method' must be a string, found nothing/,
      ],
    ];
    for (const [name, damage, expected] of cases) {
      const path = join(dir, name);
      if (name === 'text.json') await writeFile(path, '{"schema": ');
      else if (name !== 'missing.json') {
        const report = JSON.parse(JSON.stringify(sampleReport())) as Record<string, unknown>;
        damage(report);
        await writeFile(path, JSON.stringify(report));
      }
      await assert.rejects(readReport(path), (err: unknown) => {
        assert.ok(err instanceof ReportError, name);
        assert.match(err.message, expected);
        assert.ok(err.message.startsWith(path), err.message);
        return true;
      });
    }
  });
});

describe('reports too long for one string', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rp-report-lines-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** sampleReport's sessions repeated: enough lines for several pieces at a small piece size. */
  function longReport(copies: number): RunReport {
    const report = sampleReport();
    const sessions = Array.from({ length: copies }, (_, copy) =>
      report.sessions.map((session) => ({ ...session, copy })),
    ).flat();
    return { ...report, sessions };
  }

  it('is written in pieces of bounded size, which together are the one-line-per-session JSON', () => {
    const report = longReport(200);
    const pieces = [...reportText(report, 4096)];
    const longestSession = Math.max(...report.sessions.map((s) => JSON.stringify(s).length));
    assert.ok(pieces.length > 10, `${pieces.length} pieces`);
    for (const piece of pieces.slice(0, -1))
      assert.ok(piece.length < 4096 + longestSession + 8, `${piece.length}`);
    const text = pieces.join('');
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(report)));
    const lines = text.split('\n');
    assert.equal(lines.filter((line) => line.startsWith('  {"sessionId"')).length, 600);
    assert.deepEqual([...reportText({ ...report, sessions: [] })].length, 1);
  });

  it('is read back line by line, with and without sessions', async () => {
    for (const report of [longReport(200), { ...sampleReport(), sessions: [] }]) {
      const path = join(dir, `lines-${report.sessions.length}.json`);
      await writeReport(path, report);
      assert.deepEqual(await readReport(path, { wholeTextMaxBytes: 0 }), JSON.parse(JSON.stringify(report)));
    }
  });

  it('keeps a field named __proto__ as data, as JSON.parse does', async () => {
    const path = join(dir, 'proto.json');
    const text = [...reportText(sampleReport())]
      .join('')
      .replace('{\n', '{\n "__proto__": {"polluted": true},\n');
    await writeFile(path, text);
    const report = await readReport(path, { wholeTextMaxBytes: 0 });
    assert.equal(Object.getPrototypeOf(report), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(report, '__proto__')?.value, { polluted: true });
  });

  it('names the file and the line when a large report is damaged or laid out otherwise', async () => {
    const report = longReport(10);
    const text = [...reportText(report)].join('');
    const lines = text.split('\n');
    const sessionLine = lines.findIndex((line) => line.startsWith('  {"sessionId"')) + 5;
    const cases: Array<[string, string, RegExp]> = [
      [
        'pretty.json',
        JSON.stringify(report, null, 2),
        /pretty\.json: line 3: expected a field ending in ','/,
      ],
      [
        'damaged.json',
        lines.map((line, i) => (i === sessionLine ? line.slice(0, 40) : line)).join('\n'),
        new RegExp(`damaged\\.json: line ${sessionLine + 1}: not JSON .*one session per line`),
      ],
      ['cut.json', lines.slice(0, sessionLine).join('\n'), /cut\.json: line \d+: the report ends early/],
      ['trailing.json', `${text}{}\n`, /trailing\.json: line \d+: text after the end of the report/],
      [
        'no-comma.json',
        lines.map((line, i) => (i === sessionLine ? line.slice(0, -1) : line)).join('\n'),
        new RegExp(`no-comma\\.json: line ${sessionLine + 1}: expected ',' after this session`),
      ],
      [
        'last-comma.json',
        lines.map((line, i) => (lines[i + 1] === ' ]' ? `${line},` : line)).join('\n'),
        /last-comma\.json: line \d+: a ',' after the last session/,
      ],
      ['compact.json', JSON.stringify(report), /compact\.json: line 1: longer than 4096 bytes/],
    ];
    for (const [name, content, expected] of cases) {
      const path = join(dir, name);
      await writeFile(path, content);
      await assert.rejects(readReport(path, { wholeTextMaxBytes: 0, maxLineBytes: 4096 }), (err: unknown) => {
        assert.ok(err instanceof ReportError, name);
        assert.match(err.message, expected);
        return true;
      });
    }
  });
});

describe('sha256File', () => {
  it('hashes a real capture like node:crypto does on the whole file', async () => {
    const expected = createHash('sha256')
      .update(await readFile(CAPTURE))
      .digest('hex');
    assert.equal(await sha256File(CAPTURE), expected);
    const info = await describeCapture(CAPTURE);
    assert.equal(info.sha256, expected);
    assert.equal(info.bytes, (await readFile(CAPTURE)).length);
  });
});
