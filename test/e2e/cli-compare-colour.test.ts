/**
 * `reprise compare` colours its table by the same rule as the live views: only on a terminal,
 * never with a non-empty NO_COLOR (no-color.org), always with FORCE_COLOR (but '0').
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeReport } from '../../src/report/io.ts';
import { runReport } from '../report/fixtures.ts';

const BIN = new URL('../../bin/reprise.js', import.meta.url).pathname;
const RED = '\x1b[31m';
const hasScript = spawnSync('script', ['--version']).status === 0;
const ptyTest = { skip: hasScript ? false : 'util-linux `script` is not installed (it makes the pty)' };

/** The environment without any colour setting of the one running the tests. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...env } = process.env;
  return { ...env, TERM: 'xterm-256color', ...extra };
}

function output(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(text);
      else reject(new Error(`${command} exited ${code}: ${text}`));
    });
  });
}

describe('compare: colours', () => {
  let dir: string;
  let args: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rp-compare-colour-'));
    const steady = Array.from({ length: 20 }, () => 1.6);
    await writeReport(join(dir, 'base.json'), runReport({ latenciesMs: steady }));
    await writeReport(join(dir, 'slow.json'), runReport({ latenciesMs: steady.map(() => 2.0) }));
    args = [BIN, 'compare', join(dir, 'base.json'), join(dir, 'slow.json')];
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** compare's stdout in a pseudo-terminal (script), with these variables set. */
  function inTerminal(extra: Record<string, string> = {}): Promise<string> {
    const command = [process.execPath, ...args].map((a) => `'${a}'`).join(' ');
    return output('script', ['-qfec', command, '/dev/null'], envWith(extra));
  }

  function inPipe(extra: Record<string, string> = {}): Promise<string> {
    return output(process.execPath, args, envWith(extra));
  }

  it('colours on a terminal, and heeds NO_COLOR only when it is not empty', ptyTest, async () => {
    const coloured = await inTerminal();
    assert.match(coloured, /▲ worse/);
    assert.ok(coloured.includes(RED), 'a terminal gets colours');
    assert.ok(!(await inTerminal({ NO_COLOR: '1' })).includes('\x1b['), 'NO_COLOR=1: no escape at all');
    assert.ok((await inTerminal({ NO_COLOR: '' })).includes(RED), 'an empty NO_COLOR is not set');
  });

  it(
    'leaves colours off on a dumb terminal and with FORCE_COLOR=0, as the live views do',
    ptyTest,
    async () => {
      assert.ok(!(await inTerminal({ TERM: 'dumb' })).includes('\x1b['));
      assert.ok(!(await inTerminal({ FORCE_COLOR: '0' })).includes('\x1b['));
      assert.ok(
        (await inTerminal({ NO_COLOR: '1', FORCE_COLOR: '1' })).includes(RED),
        'FORCE_COLOR overrules',
      );
    },
  );

  it('writes plain text into a pipe, unless FORCE_COLOR asks for colours', async () => {
    const piped = await inPipe();
    assert.match(piped, /▲ worse/);
    assert.ok(!piped.includes('\x1b['));
    assert.ok((await inPipe({ FORCE_COLOR: '1' })).includes(RED));
  });
});
