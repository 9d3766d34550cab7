// Found by the capture bug hunt (round 7), on loopback with real libpcap: `intercept` met by a
// peer that resets its connection at once.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPRISE, ROOT } from '../helpers/capture-hosts.ts';
import { listenForTest } from '../helpers/listen.ts';
import { waitForOutput } from '../helpers/netns.ts';

const skip = process.getuid?.() === 0 ? false : 'needs root to capture on lo';
if (skip) console.log(`# skipped: capture hunt 7: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'rp-capture7-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [REPRISE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const finished = once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, finished };
}

async function stopByPid(child: ChildProcess, finished: Promise<Finished>): Promise<Finished> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    return await finished;
  } finally {
    clearTimeout(killer);
  }
}

async function freePort(): Promise<number> {
  const probe = await listenForTest(net.createServer());
  await probe.close();
  return probe.port;
}

describe('intercept and peers that are gone at once', { skip, timeout: 90_000 }, () => {
  it('intercept names a peer that resets at once and does not count it as a dropped replayer', async () => {
    const port = await freePort();
    const { child, finished } = start([
      'intercept',
      '--no-tui',
      '-i',
      'lo',
      '-F',
      'tcp and src port 9',
      '-p',
      String(port),
      '-b',
      '127.0.0.1',
    ]);
    try {
      await waitForOutput(child, /listening on/, 30_000);
      for (let i = 0; i < 3; i++) {
        const probe = net.connect({ host: '127.0.0.1', port });
        await once(probe, 'connect');
        probe.resetAndDestroy();
      }
      await sleep(500);
      const done = await stopByPid(child, finished);
      assert.doesNotMatch(done.stderr, /unknown:0/, 'the peer is named by its address');
      assert.doesNotMatch(done.stderr, /dropped replayer/, 'a peer without a hello is no replayer');
      assert.match(done.stderr, /peers refused 0, dropped 0/);
    } finally {
      await stopByPid(child, finished);
    }
  });
});
