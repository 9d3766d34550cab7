/** Recordings of real clients made with `reprise record -i lo` itself, for the e2e tests. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { REPRISE, ROOT } from './capture-hosts.ts';
import { waitForOutput } from './netns.ts';

/**
 * Records `tcp port <port>` on lo into `file` while `exchange` runs (`recordArgs`: more options of
 * `reprise record`); stops the recorder by its PID.
 */
export async function recordLoopback(
  file: string,
  port: number,
  exchange: () => Promise<void>,
  recordArgs: string[] = [],
): Promise<void> {
  const recorder: ChildProcess = spawn(
    process.execPath,
    [REPRISE, 'record', '--no-tui', '-i', 'lo', '-w', file, ...recordArgs, `tcp port ${port}`],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    await waitForOutput(recorder, /capturing on/, 30_000);
    await exchange();
    await sleep(500); // libpcap hands the last packets over
  } finally {
    const closed = once(recorder, 'close');
    recorder.kill('SIGINT');
    await closed;
  }
}

/** Records curl fetching `paths` from 127.0.0.1:`port`, one after another on one connection. */
export async function recordCurl(
  file: string,
  port: number,
  paths: string[],
  recordArgs: string[] = [],
): Promise<void> {
  const outputs = paths.flatMap(() => ['-o', '/dev/null']);
  const urls = paths.map((path) => `http://127.0.0.1:${port}${path}`);
  await recordLoopback(
    file,
    port,
    async () => {
      await promisify(execFile)('curl', ['-s', ...outputs, ...urls]);
    },
    recordArgs,
  );
}
