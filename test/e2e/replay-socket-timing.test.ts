/**
 * Timing of the socket transport on generated captures: sends follow the captured offsets at
 * --speed 1, take half the time at --speed 2, and --max-idle cuts long gaps. Tolerances are
 * generous (tens of ms) so that a busy machine does not fail them; the benchmark measures lag.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { assertSentOnSchedule, capturedSendTimesMs, sendTimes } from '../helpers/send-times.ts';
import { syntheticCapture, tempDir } from '../helpers/synthetic.ts';

const START_US = 1_700_000_000_000_000;

describe('socket replay timing', () => {
  const dir = tempDir();
  let server: RecordingServer;
  let capture: string;
  before(async () => {
    server = await startRecordingServer('http');
    capture = await syntheticCapture(join(dir.path, 'timing.pcap'), {
      sessions: 4,
      requestsPerSession: 3,
      sessionSpacingMs: 150,
      thinkTimeMs: 200,
      startUs: START_US,
    });
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  it('at --speed 1 every request leaves at its captured offset', async () => {
    const expected = await capturedSendTimesMs(capture, START_US);
    const { report } = await replay(replayConfig([capture], server.port, 80, { speed: 1 }), capturedOutput());
    assertSentOnSchedule(report, expected);
  });

  it('--speed 2 takes half the time of --speed 1', async () => {
    const one = sendTimes(
      (await replay(replayConfig([capture], server.port, 80, { speed: 1 }), capturedOutput())).report,
    );
    const two = sendTimes(
      (await replay(replayConfig([capture], server.port, 80, { speed: 2 }), capturedOutput())).report,
    );
    const span = (t: number[]) => t[t.length - 1] - t[0];
    const ratio = span(one) / span(two);
    assert.ok(
      ratio > 1.8 && ratio < 2.2,
      `speed 1 spans ${span(one).toFixed(0)} ms, speed 2 ${span(two).toFixed(0)} ms`,
    );
  });

  it('--max-idle cuts a long silence in the capture', async () => {
    const gapped = await syntheticCapture(
      join(dir.path, 'gap.pcap'),
      { sessions: 2, requestsPerSession: 2, startUs: START_US },
      { sessions: 2, requestsPerSession: 2, startUs: START_US + 5_000_000, seed: 7 },
    );
    const { report } = await replay(
      replayConfig([gapped], server.port, 80, { speed: 1, maxIdleMs: 100 }),
      capturedOutput(),
    );
    const times = sendTimes(report);
    assert.equal(times.length, 8);
    assert.ok(
      times[times.length - 1] < 2000,
      `the last request left at ${times[times.length - 1].toFixed(0)} ms, not after the 5 s gap`,
    );
    assert.equal(report.totals.sessions.completed, 4);
  });
});
