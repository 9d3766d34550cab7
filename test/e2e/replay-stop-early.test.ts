/**
 * `reprise replay` stopped (Ctrl-C) before any session was read says so, in its summary and its
 * report, and exits as a stop in the middle of the run does.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { syntheticHttpTraffic } from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';
import { type CliResult, runCli } from '../helpers/cli.ts';
import { startRecordingServer } from '../helpers/recording-server.ts';
import { tempDir } from '../helpers/synthetic.ts';

const START_US = 1_700_000_000_000_000;
const TRAFFIC = { thinkTimeMs: 1, serverLatencyMs: 1, rttMs: 1 };

/**
 * 20,000 sessions to a port the replay does not select, then 40 it does: reading the first part
 * takes a while, and until it is read no session is planned.
 */
function* unselectedThenSelected() {
  const common = { ...TRAFFIC, requestsPerSession: 1 };
  yield* syntheticHttpTraffic({
    ...common,
    sessions: 20_000,
    sessionSpacingMs: 0.05,
    serverPort: 9999,
    startUs: START_US,
  });
  yield* syntheticHttpTraffic({
    ...common,
    sessions: 40,
    sessionSpacingMs: 50,
    serverPort: 80,
    startUs: START_US + 1_100_000,
  });
}

/**
 * Calls `then` once the child has had the file at `path` open for 20 ms (polling /proc), or after
 * `limitMs`: reading it, not the glance at its header before the run starts (and its handlers).
 */
function whenFileOpen(child: ChildProcess, path: string, then: () => void, limitMs = 20_000): void {
  const deadline = Date.now() + limitMs;
  let openSince: number | undefined;
  const poll = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const fdDir = `/proc/${child.pid}/fd`;
    let open = false;
    try {
      open = readdirSync(fdDir).some((fd) => {
        try {
          return readlinkSync(join(fdDir, fd)) === path;
        } catch {
          return false;
        }
      });
    } catch {
      // The child is gone or not started yet.
    }
    openSince = open ? (openSince ?? Date.now()) : undefined;
    if ((openSince !== undefined && Date.now() - openSince >= 20) || Date.now() > deadline) then();
    else setTimeout(poll, 1);
  };
  poll();
}

const skip = process.platform !== 'linux' ? 'reads /proc to see when the replay opened its capture' : false;

describe('reprise replay stopped early', { skip }, () => {
  const dir = tempDir();
  let capture: string;
  let server: Awaited<ReturnType<typeof startRecordingServer>>;
  before(async () => {
    capture = join(dir.path, 'unselected-first.pcap');
    await writeSyntheticCapture(capture, unselectedThenSelected());
    server = await startRecordingServer('http');
  });
  after(async () => {
    await server?.close();
    dir.cleanup();
  });

  const replayStopped = (report: string, stopWhen: (child: ChildProcess) => void): Promise<CliResult> =>
    runCli(['replay', capture, '-x', `80-127.0.0.1:${server.port}`, '--report', report], {
      timeoutMs: 60_000,
      onSpawn: stopWhen,
    });

  it('Ctrl-C before any session was read: the summary and report say it was stopped by the user, exit as a later stop', async () => {
    const early = join(dir.path, 'early.json');
    const r = await replayStopped(early, (child) => whenFileOpen(child, capture, () => child.kill('SIGINT')));
    assert.equal(r.signal, null, `it ended on its own, not by the signal: ${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^stopped +by the user/m);
    const json = JSON.parse(readFileSync(early, 'utf8'));
    assert.equal(json.stopped, 'by the user');
    assert.equal(json.sessions.length, json.totals.sessions.planned);
    assert.equal(json.totals.requests.sent, 0, 'stopped before any request went');

    const late = join(dir.path, 'late.json');
    const requestsSeen = () => server.connections.filter((c) => c.bytes.length > 0).length;
    const seenBefore = requestsSeen();
    const mid = await replayStopped(late, (child) => {
      const waitForTraffic = setInterval(() => {
        if (requestsSeen() > seenBefore) {
          clearInterval(waitForTraffic);
          child.kill('SIGINT');
        }
      }, 5);
      child.on('close', () => clearInterval(waitForTraffic));
    });
    assert.equal(mid.code, r.code, 'an early stop exits as a stop in the middle of the run');
    assert.match(mid.stdout, /^stopped +by the user/m);
    assert.equal(JSON.parse(readFileSync(late, 'utf8')).stopped, 'by the user');
  });
});
