/** inspect on a capture whose host clock stepped back mid-file: it says so, and keeps the captured times. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspectCapture } from '../../src/cli/inspect.ts';
import { renderText } from '../../src/inspect/render-text.ts';
import { syntheticHttpTraffic } from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';

const START_US = 1_700_000_000_000_000;

describe('inspect: a clock step back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rp-inspect-step-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the steps and names the largest, with the times as captured', async () => {
    const traffic = syntheticHttpTraffic({
      sessions: 12,
      requestsPerSession: 1,
      sessionSpacingMs: 400,
      thinkTimeMs: 0,
      serverLatencyMs: 5,
      rttMs: 1,
      serverPort: 80,
      startUs: START_US,
    });
    // Set back 5 s from session 3 on, then 3 s more from session 7 on.
    const stepBackUs = (us: number) =>
      us >= START_US + 2_800_000 ? 8_000_000 : us >= START_US + 1_200_000 ? 5_000_000 : 0;
    const path = join(dir, 'stepped.pcap');
    await writeSyntheticCapture(
      path,
      [...traffic].map((p) => ({ ...p, tsUs: p.tsUs - stepBackUs(p.tsUs) })),
    );
    const report = await inspectCapture(path, { sessions: true });
    assert.equal(report.anomalies.clockStepsBack, 2);
    const largest = report.anomalies.largestClockStepBackUs;
    assert.ok(largest > 4_600_000 && largest < 5_000_000, `largest ${largest} µs`);
    assert.deepEqual(
      report.sessions?.map((s) => s.startUs - START_US),
      Array.from({ length: 12 }, (_, i) => i * 400_000 - stepBackUs(START_US + i * 400_000)),
      'session starts as captured',
    );
    assert.match(renderText(report), /^ {2}clock steps back +2 \(largest 4\.\d s\)$/m);
  });

  it('a capture without steps reports none', async () => {
    const path = join(dir, 'plain.pcap');
    await writeSyntheticCapture(
      path,
      syntheticHttpTraffic({
        sessions: 3,
        requestsPerSession: 1,
        sessionSpacingMs: 400,
        thinkTimeMs: 0,
        serverLatencyMs: 5,
        rttMs: 1,
      }),
    );
    const report = await inspectCapture(path);
    assert.equal(report.anomalies.clockStepsBack, 0);
    assert.equal(report.anomalies.largestClockStepBackUs, 0);
    assert.match(renderText(report), /^anomalies: none$/m);
  });
});
