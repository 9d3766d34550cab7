/**
 * `reprise intercept` with its live view in a real pseudo-terminal (util-linux `script`): log
 * lines written while the view is drawn would tear its frame and be erased by the next redraw,
 * so they are printed once the view has stopped, none lost.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { encodeHello } from '../../src/intercept/wire.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const WAIT_MS = 30_000;

const hasScript = spawnSync('script', ['--version']).status === 0;
const skip = !hasScript
  ? 'util-linux `script` is not installed'
  : process.getuid?.() !== 0
    ? 'capturing on lo needs root'
    : false;
if (skip) console.log(`# skipped: intercept live view in a pty: ${skip}`);

test('intercept view in a pty: replayer logs appear after the view, not torn into it', {
  skip,
  timeout: 90_000,
}, async () => {
  const PORT = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  const intercept = `${process.execPath} bin/reprise.js intercept -i lo -F 'tcp port 9' -b 127.0.0.1 -p ${PORT}`;
  const child = spawn('script', ['-qfec', `stty cols 120 rows 40 && ${intercept}`, '/dev/null'], {
    cwd: ROOT,
    env,
  });
  let raw = '';
  child.stdout.on('data', (d: Buffer) => {
    raw += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    raw += d.toString('utf8');
  });
  const text = () => stripVTControlCharacters(raw);
  const waitFor = async (pattern: RegExp, what: string) => {
    const deadline = Date.now() + WAIT_MS;
    while (!pattern.test(text())) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; output:\n${text().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await waitFor(/reprise intercept up .* 0 replayers connected/, 'the view');
    const replayer = connect({ host: '127.0.0.1', port: PORT });
    replayer.on('error', () => {});
    await new Promise((resolve) => replayer.once('connect', resolve));
    replayer.write(encodeHello());
    await waitFor(/1 replayer connected/, 'the view counting the replayer');
    replayer.destroy();
    await waitFor(
      /up .* 0 replayers connected[\s\S]*1 replayer connected[\s\S]*0 replayers connected/,
      'it gone',
    );
    child.stdin.write('q');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const out = text();
    assert.equal(code, 0, out.slice(-2000));
    const lastFrame = out.lastIndexOf('q stop');
    const connected = out.search(/replayer 127\.0\.0\.1:\d+ connected \(protocol version 6\)/);
    const disconnected = out.search(/replayer 127\.0\.0\.1:\d+ disconnected/);
    assert.ok(connected > lastFrame, `the log line comes after the view:\n${out.slice(-2000)}`);
    assert.ok(disconnected > connected);
    assert.ok(out.indexOf('intercept stopped after') > disconnected, 'then the totals');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // The intercept runs in the pty's own session, out of reach of the kill above.
    spawnSync('pkill', ['-KILL', '-f', `reprise.js intercept .* -p ${PORT}$`]);
  }
});

/** A port nothing listens on now (the kernel's choice of an ephemeral one). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
