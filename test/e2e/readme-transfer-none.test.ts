/**
 * README, replay: "a map that selects no session is an error that names the capture's server
 * ports", and "Every command exits 2 on bad input". A CI job that mistypes the port must not
 * get its previous run report replaced by an empty run that `compare` then reads.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.ts';

const DEMO = new URL('../../recordings/demo-shop.pcap', import.meta.url).pathname;

test('replay: -x selecting no session exits 2 and leaves the existing --report untouched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rp-readme-'));
  try {
    const report = join(dir, 'candidate.json');
    const previous = '{"schema": "reprise.run/1", "previous": true}\n';
    writeFileSync(report, previous);
    const result = await runCli(['replay', DEMO, '-x', '9999-127.0.0.1:9', '--no-tui', '--report', report]);
    assert.equal(result.code, 2, `exit code; stderr:\n${result.stderr}`);
    assert.match(result.stderr, /selected none of the capture's 150 TCP sessions.*8080/);
    assert.equal(readFileSync(report, 'utf8'), previous, 'the previous report is kept');
    assert.doesNotMatch(result.stdout, /report written/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
