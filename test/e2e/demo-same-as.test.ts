/**
 * The demo prints the `reprise replay` command it is "the same as": run for real against another
 * such target, its report must hold the same options, so that `compare` sees one load in both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTargetServer } from '../../src/demo/target-server.ts';
import { readReport } from '../../src/report/io.ts';
import { loadDifferences } from '../../src/report/load-differences.ts';
import { runCli } from '../helpers/cli.ts';

test('demo: the command it says it is the same as replays the same load, by its report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rp-demo-same-'));
  const target = await startTargetServer();
  try {
    const [demoReport, replayReport] = [join(dir, 'demo.json'), join(dir, 'replay.json')];
    const demo = await runCli(['demo', '--speed', 'max', '--no-tui', '--report', demoReport], { cwd: dir });
    assert.equal(demo.code, 0, demo.stderr);
    const sameAs = /the same as: reprise (.*)$/m.exec(demo.stdout)?.[1];
    assert.ok(sameAs, demo.stdout);
    const args = sameAs
      .split(' ')
      .map((arg) =>
        arg
          .replace(/^127\.0\.0\.1:\d+$/, `127.0.0.1:${target.port}`)
          .replace(/-127\.0\.0\.1:\d+$/, `-127.0.0.1:${target.port}`),
      )
      .map((arg) => (arg === demoReport ? replayReport : arg));
    const replay = await runCli([...args, '--no-tui'], { cwd: join(dir, '..') });
    assert.equal(replay.code, 0, replay.stderr);
    const [a, b] = await Promise.all([readReport(demoReport), readReport(replayReport)]);
    assert.deepEqual(loadDifferences(a, b), []);
    const { transfer: _t, report: _r, demo: _d, ...demoOptions } = a.options as Record<string, unknown>;
    const { transfer: _t2, report: _r2, ...replayOptions } = b.options as Record<string, unknown>;
    assert.deepEqual(demoOptions, replayOptions);
    assert.equal(b.totals.requests.answered, a.totals.requests.answered);
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
