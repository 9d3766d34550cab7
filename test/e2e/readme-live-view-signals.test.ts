/**
 * README, replay: "In a terminal, the live view shows ...; `q`, Ctrl-C, SIGTERM or a hangup stop
 * cleanly and still write the report (the summary and the report's `stopped` say who stopped it)".
 * Checked in a real pseudo-terminal (util-linux `script`) against a loopback HTTP target.
 */

import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';

const ROOT = new URL('../..', import.meta.url).pathname;
const WAIT_MS = 20_000;
const hasScript = spawnSync('script', ['--version']).status === 0;
const ptyTest = { skip: hasScript ? false : 'util-linux `script` is not installed', timeout: 60_000 };

async function startTarget(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end('ok\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** `reprise replay` of the demo recording in a pty; the shell prints its pid, then execs node. */
function startReplayInPty(port: number, report: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  const replay = `${process.execPath} bin/reprise.js replay recordings/demo-shop.pcap -x 8080-127.0.0.1:${port} --report ${report}`;
  const command = `stty cols 120 rows 40 && echo "reprise-pid=$$" && exec ${replay}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env });
  let text = '';
  child.stdout.on('data', (d: Buffer) => {
    text += d.toString('utf8');
  });
  const waitFor = async (pattern: RegExp, what: string): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const match = stripVTControlCharacters(text).match(pattern);
      if (match) return match;
      if (Date.now() > deadline)
        throw new Error(`no ${what} within ${WAIT_MS} ms; output:\n${text.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, waitFor, text: () => stripVTControlCharacters(text) };
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

for (const [signal, stoppedBy] of [
  ['SIGTERM', 'by the user'],
  ['SIGHUP', 'by a hangup'],
] as const) {
  test(
    `replay live view in a pty: ${signal} still writes the report (stopped: ${stoppedBy})`,
    ptyTest,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rp-readme-'));
      const report = join(dir, 'run.json');
      const { server, port } = await startTarget();
      const { child, waitFor, text } = startReplayInPty(port, report);
      try {
        const pid = Number((await waitFor(/reprise-pid=(\d+)/, 'pid'))[1]);
        await waitFor(/reprise replay ▶ running/, 'live view');
        await waitFor(/[1-9]\d* answered/, 'an answered request');
        process.kill(pid, signal);
        await exited(child);
        assert.ok(
          existsSync(report),
          `the report was written after ${signal}; output:\n${text().slice(-1500)}`,
        );
        const written = JSON.parse(readFileSync(report, 'utf8')) as { stopped?: string };
        assert.equal(written.stopped, stoppedBy);
        const spills = readdirSync(dir).filter((name) => name.endsWith('.sessions.jsonl'));
        assert.deepEqual(spills, [], 'the ended-sessions file beside the report is removed');
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
