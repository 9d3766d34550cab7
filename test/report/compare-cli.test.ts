import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeReport } from '../../src/report/io.ts';
import { runReport } from './fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/reprise.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function reprise(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('reprise compare (CLI)', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rp-compare-'));
    const steady = Array.from({ length: 50 }, () => 1.6);
    await writeReport(file('base.json'), runReport({ latenciesMs: steady, statuses: steady.map(() => 200) }));
    await writeReport(
      file('slow.json'),
      runReport({
        latenciesMs: steady.map(() => 2.0),
        statuses: steady.map((_, i) => (i === 3 ? 503 : 200)),
        failed: 1,
      }),
    );
    await writeReport(file('other.json'), runReport({ latenciesMs: steady, sha256: 'e'.repeat(64) }));
    const broken = JSON.parse(await readFile(file('base.json'), 'utf8')) as {
      totals: { requests: { sent?: number } };
    };
    delete broken.totals.requests.sent;
    await writeFile(file('broken.json'), JSON.stringify(broken));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the side-by-side table and exits 0 without rules', async () => {
    const run = await reprise('compare', file('base.json'), file('slow.json'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Latency, first byte/);
    assert.match(run.stdout, /p99 +0\.800 ms +1\.00 ms .*▲ worse/);
    assert.match(run.stdout, /session 3 request 0 {2}GET \/item\/0 {2}200 → 503/);
  });

  it('exits 1 and names the crossed rule', async () => {
    const run = await reprise(
      'compare',
      file('base.json'),
      file('slow.json'),
      '--fail-on',
      'p99=+10%,lost=+0',
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /rule crossed: p99=\+10%: first byte p99 0\.800 ms → 1\.00 ms \(\+25\.0%\)/);
    assert.doesNotMatch(run.stderr, /lost=\+0/);
  });

  it('exits 0 when no rule is crossed', async () => {
    const run = await reprise(
      'compare',
      file('base.json'),
      file('slow.json'),
      '--fail-on',
      'p99=+30%,errors=+1',
    );
    assert.equal(run.code, 0, run.stderr);
  });

  it('exits 1 on errors=+0 when the candidate failed a session', async () => {
    const run = await reprise('compare', file('base.json'), file('slow.json'), '--fail-on', 'errors=+0');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /errors=\+0: failed sessions 0 → 1/);
  });

  it('an --html it cannot write still leaves the crossed rules said, then exits 2 naming it', async () => {
    const html = join(dir, 'no-such-dir', 'cmp.html');
    const run = await reprise(
      'compare',
      file('base.json'),
      file('slow.json'),
      '--fail-on',
      'errors=+0',
      '--html',
      html,
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /errors=\+0: failed sessions 0 → 1/);
    assert.match(run.stderr, /--html .*cmp\.html: cannot write/);
  });

  it('exits 2 on a bad rule, naming it', async () => {
    const run = await reprise(
      'compare',
      file('base.json'),
      file('slow.json'),
      '--fail-on',
      'p99=+10%,p42=+1ms',
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--fail-on rule 'p42=\+1ms': unknown metric 'p42'/);
  });

  it('exits 2 on an unreadable or invalid report, naming the file', async () => {
    const missing = await reprise('compare', file('nope.json'), file('slow.json'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json: cannot read the report \(ENOENT\)/);
    const broken = await reprise('compare', file('base.json'), file('broken.json'));
    assert.equal(broken.code, 2);
    assert.match(
      broken.stderr,
      /broken\.json: field 'totals\.requests\.sent' must be a number, found nothing/,
    );
  });

  it('refuses runs of different captures with exit 2', async () => {
    const run = await reprise('compare', file('base.json'), file('other.json'));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /the runs replayed different captures/);
    assert.equal(run.stdout, '');
  });

  it('prints JSON with the rule verdicts, and writes the HTML page', async () => {
    const run = await reprise(
      'compare',
      file('base.json'),
      file('slow.json'),
      '--json',
      '--fail-on',
      'ttlb.p50=+5%',
      '--html',
      file('cmp.html'),
    );
    assert.equal(run.code, 1);
    const output = JSON.parse(run.stdout) as {
      passed: boolean;
      rules: Array<{ crossed: boolean; baseline: number; candidate: number }>;
      statusChanges: { count: number };
    };
    assert.equal(output.passed, false);
    assert.deepEqual(
      output.rules.map((r) => [r.crossed, r.baseline, r.candidate]),
      [[true, 1.6, 2]],
    );
    assert.equal(output.statusChanges.count, 1);
    const html = await readFile(file('cmp.html'), 'utf8');
    assert.match(html, /class="series baseline"/);
    assert.match(html, /class="series candidate"/);
    assert.doesNotMatch(html, /https?:/);
  });

  it('applies every --fail-on when the flag is given more than once', async () => {
    const run = await reprise(
      'compare',
      file('base.json'),
      file('slow.json'),
      '--fail-on',
      'errors=+0',
      '--fail-on',
      'p99=+1000%',
    );
    assert.equal(run.code, 1);
    assert.match(run.stdout, /✗ errors=\+0: failed sessions 0 → 1 \(\+1\)/);
    assert.match(run.stdout, /✓ p99=\+1000%/);
  });

  it('exits 2 with one line, not a stack trace, on a report whose status counts are not numbers', async () => {
    const report = JSON.parse(await readFile(file('slow.json'), 'utf8')) as {
      totals: { httpStatus: Record<string, unknown> };
    };
    report.totals.httpStatus['503'] = '1';
    await writeFile(file('status.json'), JSON.stringify(report));
    const run = await reprise('compare', file('base.json'), file('status.json'));
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      `reprise: ${file('status.json')}: field 'totals.httpStatus.503' must be a number, found "1"\n`,
    );
  });

  it('warns on stderr with --json when the runs were replayed at different speeds', async () => {
    const report = JSON.parse(await readFile(file('base.json'), 'utf8')) as { options: object };
    report.options = { speed: 'max' };
    await writeFile(file('max.json'), JSON.stringify(report));
    const run = await reprise('compare', file('base.json'), file('max.json'), '--json');
    assert.equal(run.code, 0);
    assert.deepEqual((JSON.parse(run.stdout) as { warnings: string[] }).warnings, [
      'the runs used different --speed: 1 and max',
    ]);
    assert.equal(run.stderr, 'reprise: warning: the runs used different --speed: 1 and max\n');
  });
});
