/**
 * `compare` warns about load differences from what `replay` really records: two replays spelled
 * apart but alike compare without a warning, a real difference is named.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { corpusFile } from '../helpers/corpus.ts';

const CAPTURE = corpusFile('zeek_http_bro.org.pcap');

describe('compare: load warnings from real replay reports', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  /** Replays toward a loopback port nobody listens on: every session is refused, fast. */
  async function replay(report: string, ...flags: string[]): Promise<void> {
    const args = ['replay', CAPTURE, '-x', '80-127.0.0.1:9', '--speed', 'max', '--no-tui'];
    const run = await runCli([...args, '--report', file(report), ...flags]);
    assert.equal(run.code, 0, run.stderr);
  }

  async function compareWarnings(baseline: string, candidate: string): Promise<string[]> {
    const run = await runCli(['compare', '--json', file(baseline), file(candidate)]);
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as { warnings: string[] }).warnings;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rp-compare-load-'));
    await replay('plain.json', '--sample', '50');
    await replay('spelled.json', '--sample', '50%', '--seed', '01', '--loop', '1');
    await replay('doubled.json', '--sample', '50', '--multiply', '2');
    // A report of an older reprise, which recorded only the options it knew then.
    const older = JSON.parse(await readFile(file('plain.json'), 'utf8')) as { options: object };
    older.options = { speed: 'max', sample: '50', transfer: '80-127.0.0.1:9' };
    await writeFile(file('older.json'), JSON.stringify(older));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('no warning for the same options spelled apart', async () => {
    assert.deepEqual(await compareWarnings('plain.json', 'spelled.json'), []);
  });

  it('no warning against an older report that lacks the options left at their defaults', async () => {
    assert.deepEqual(await compareWarnings('older.json', 'plain.json'), []);
  });

  it('names a real difference, with both values', async () => {
    const warnings = await compareWarnings('plain.json', 'doubled.json');
    assert.ok(warnings.includes('the runs used different --multiply: 1 and 2'), warnings.join('\n'));
  });
});
