/**
 * The replay live view in a real pseudo-terminal (util-linux `script`): it draws, reacts to
 * keys, and on `q` gives the terminal back (cursor shown, raw mode off) and exits 0.
 */

import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';

const ROOT = new URL('../..', import.meta.url).pathname;
const WAIT_MS = 20_000;
const SHOW_CURSOR = '\x1b[?25h';
const HIDE_CURSOR = '\x1b[?25l';

const hasScript = spawnSync('script', ['--version']).status === 0;

const ptyTest = { skip: hasScript ? false : 'util-linux `script` is not installed', timeout: 60_000 };
/** Matches an SGR sequence that sets a foreground or background colour. */
const COLOUR = /\x1b\[(?:\d+;)*(?:3|4|9|10)[0-9](?:;\d+)*m/;

/** Starts test/tui/pty-demo.ts in a pty (script); `extraEnv` is added to a colour terminal's environment. */
function startDemo(extraEnv: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...extraEnv };
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  if (!('NO_COLOR' in extraEnv)) delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  // A fresh pty is 0x0; a real terminal has a size, and Ink lays out to its width.
  const command = `stty cols 120 rows 40 && ${process.execPath} --import tsx test/tui/pty-demo.ts`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env });
  return { child, output: collect(child) };
}

test('replay view in a pty: draws, pauses on p, stops on q and restores the terminal', ptyTest, async () => {
  const { child, output } = startDemo();
  try {
    await output.waitFor(/reprise replay ▶ running/, 'the view');
    await output.waitFor(/%/, 'the progress percentage');
    // Raw mode is switched on right after the first frame; before it the pty buffers by line.
    await delay(300);
    child.stdin.write('p');
    await output.waitFor(/PAUSED/, 'the paused state');
    child.stdin.write('q');
    const exitCode = await exited(child);
    const text = output.text();
    assert.equal(exitCode, 0, `exit code; output:\n${JSON.stringify(text.slice(-2000))}`);
    assert.ok(text.includes(HIDE_CURSOR), 'the view hid the cursor');
    assert.ok(
      text.lastIndexOf(SHOW_CURSOR) > text.lastIndexOf(HIDE_CURSOR),
      'the cursor is shown again at exit',
    );
    assert.match(text, /pty-demo stopped paused=true speed=1 raw=false/);
    assert.match(text, COLOUR, 'a colour terminal gets colours');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test(
  'replay view in a pty: NO_COLOR draws without colours; speed keys typed at once all count',
  ptyTest,
  async () => {
    const { child, output } = startDemo({ NO_COLOR: '1' });
    try {
      await output.waitFor(/reprise replay ▶ running/, 'the view');
      await delay(300);
      child.stdin.write('+++');
      await output.waitFor(/speed 8x/, 'speed 8x after three +');
      child.stdin.write('q');
      const exitCode = await exited(child);
      const text = output.text();
      assert.equal(exitCode, 0, `exit code; output:\n${JSON.stringify(text.slice(-2000))}`);
      assert.match(text, /pty-demo stopped paused=false speed=8 raw=false/);
      assert.doesNotMatch(text, COLOUR, 'no colour under NO_COLOR');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  },
);

function collect(child: ChildProcessWithoutNullStreams) {
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const wake of waiters) wake();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return {
    text: () => text,
    waitFor(pattern: RegExp, what: string): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stripVTControlCharacters(text))) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${what}; output:\n${JSON.stringify(text.slice(-2000))}`));
        }, WAIT_MS);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => reject(new Error('the demo did not exit after q')), WAIT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
