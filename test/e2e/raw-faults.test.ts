import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { syntheticHttpTraffic } from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';
import { skipWithoutNetns, type TestHosts } from '../helpers/netns.ts';
import {
  HTTP_TO_TARGET,
  type HttpReplayHosts,
  type HttpTarget,
  type ReplayResult,
  runReplay,
  startHttpReplayHosts,
} from './raw-harness.ts';

const skip = skipWithoutNetns('raw transport fault e2e');

const SESSIONS = 30;

describe('raw replay faults: each ends with a clear message and every session accounted for', {
  skip,
  timeout: 240_000,
}, () => {
  let dir: string;
  let capture: string;
  let hosts: TestHosts | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-rawfault-'));
    capture = join(dir, 'spread.pcap');
    await writeSyntheticCapture(
      capture,
      syntheticHttpTraffic({
        sessions: SESSIONS,
        requestsPerSession: 3,
        sessionSpacingMs: 100,
        thinkTimeMs: 5,
        serverLatencyMs: 1,
        rttMs: 1,
        serverPort: 80,
        seed: 3,
      }),
    );
  });
  after(async () => {
    await hosts?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const setUp = async (): Promise<HttpReplayHosts> => {
    await hosts?.close();
    const started = await startHttpReplayHosts('rawfault');
    hosts = started.hosts;
    return started;
  };

  const replay = (h: TestHosts, onStart?: (child: ChildProcess) => void) =>
    runReplay(
      h,
      {
        captures: [capture],
        ...HTTP_TO_TARGET,
        speed: 1,
        sessionTimeoutS: 3,
      },
      onStart,
    );

  const accountsForEverySession = (result: ReplayResult) => {
    assert.equal(result.sessions.length, SESSIONS, result.stderr);
    for (const s of result.sessions) {
      if (s.outcome !== 'completed') assert.ok(s.reason && s.reason.length > 0, JSON.stringify(s));
    }
  };

  it('intercept killed mid-run: the replay stops at once with exit 1 and a report of what it did', async () => {
    const { hosts: h, target, intercept } = await setUp();
    let killedAt = 0;
    void afterRequests(target, 12).then(() => {
      killedAt = Date.now();
      intercept.kill('SIGKILL');
    });
    const result = await replay(h);
    const stoppedAfterMs = Date.now() - killedAt;
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /lost intercept 10\.77\.0\.3:36524 \(connection closed\); without --keep-going the replay stops/,
    );
    assert.match(
      result.stderr,
      /reprise: lost intercept .*: the replay stopped early \(the (report|summary above) has what it did\)/,
    );
    // The capture runs 3 s at --speed 1: the rest of it is not played out as a column of errors.
    assert.ok(stoppedAfterMs < 2000, `the replay ended ${stoppedAfterMs} ms after the intercept died`);
    const { report } = result;
    assert.equal(report.sessions.length, report.totals.sessions.planned);
    const byOutcome = count(result);
    assert.ok(byOutcome.completed >= 3, JSON.stringify(byOutcome));
    for (const s of result.sessions.filter((x) => x.outcome !== 'completed')) {
      assert.ok(['error', 'stopped'].includes(s.outcome), JSON.stringify(s));
      assert.match(s.reason ?? '', /lost intercept/, JSON.stringify(s));
    }
  });

  it('target server killed mid-run: later sessions are refused ("nothing listening?")', async () => {
    const { hosts: h, target } = await setUp();
    void afterRequests(target, 12).then(() => target.process.kill('SIGKILL'));
    const result = await replay(h);
    accountsForEverySession(result);
    const byOutcome = count(result);
    assert.ok(
      byOutcome.completed >= 3,
      `${JSON.stringify(byOutcome)} ${JSON.stringify(result.sessions.slice(0, 3))} ${result.stderr}`,
    );
    assert.ok(byOutcome.refused >= 10, JSON.stringify(byOutcome));
    assert.ok(
      result.sessions.some((s) => /target reset the SYN \(nothing listening\?\)/.test(s.reason ?? '')),
      JSON.stringify(result.sessions),
    );
  });

  it('no route back to the client pool: a warning names the likely cause, every session is refused', async () => {
    const { hosts: h } = await setUp();
    h.run(h.target, 'ip', ['route', 'del', '10.78.0.0/24']);
    const result = await replay(h);
    accountsForEverySession(result);
    assert.match(
      result.stderr,
      /no response headers from intercept for the first \d+ session\(s\): does the target route 10\.78\.0\.0\/24 back via the intercept host/,
    );
    assert.deepEqual(count(result), { refused: SESSIONS });
    assert.equal(result.transport.records, 0);
  });
});

/** Resolves once the target has logged `n` requests (the replay is under way). */
async function afterRequests(target: HttpTarget, n: number): Promise<void> {
  while (target.requests().length < n) await new Promise((r) => setTimeout(r, 20));
}

function count(result: ReplayResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of result.sessions) out[s.outcome] = (out[s.outcome] ?? 0) + 1;
  return out;
}
