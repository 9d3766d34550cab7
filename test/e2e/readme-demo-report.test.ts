/**
 * README, Commands: "Every command exits 2 on bad input (a usage error, an unreadable file, a bad
 * flag value), with one line on stderr that names what was wrong". `demo --report` into a
 * directory that cannot be made is such input.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.ts';

test('demo: a --report whose directory cannot be created exits 2 with one line naming --report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rp-readme-'));
  try {
    const notADirectory = join(dir, 'file');
    writeFileSync(notADirectory, '');
    const result = await runCli([
      'demo',
      '--speed',
      'max',
      '--no-tui',
      '--report',
      join(notADirectory, 'demo.json'),
    ]);
    assert.equal(result.code, 2, `exit code; stderr:\n${result.stderr}`);
    assert.match(result.stderr, /--report/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
