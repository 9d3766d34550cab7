/**
 * At --speed max, the progress of a capture with more sessions than the replay reads ahead
 * (4,096) must follow the sessions that ended out of all the capture holds, not out of those read
 * so far: a user watching a long run should not see 99% from the first seconds on.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { syntheticHttpTraffic } from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';
import { runCli } from '../helpers/cli.ts';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server.ts';
import { tempDir } from '../helpers/synthetic.ts';

const SESSIONS = 40_000;

let dir: ReturnType<typeof tempDir>;
let server: RecordingServer;
let capture: string;

before(async () => {
  dir = tempDir('reprise-scale-progress-');
  capture = join(dir.path, 'many.pcap');
  await writeSyntheticCapture(
    capture,
    syntheticHttpTraffic({
      sessions: SESSIONS,
      requestsPerSession: 1,
      sessionSpacingMs: 0.5,
      thinkTimeMs: 1,
      serverLatencyMs: 1,
      rttMs: 0.2,
    }),
  );
  server = await startRecordingServer('http');
});

after(async () => {
  await server?.close();
  dir?.cleanup();
});

function count(text: string): number {
  const m = /^([\d.]+)(k?)$/.exec(text);
  assert.ok(m, `a count in a progress line: ${text}`);
  return Number(m[1]) * (m[2] === 'k' ? 1000 : 1);
}

test('the progress of a --speed max replay follows the sessions ended out of the whole capture', {}, async () => {
  const result = await runCli(
    ['replay', capture, '-x', `80-127.0.0.1:${server.port}`, '--speed', 'max', '--no-tui'],
    { timeoutMs: 55_000 },
  );
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stderr.split('\n').filter((l) => l.startsWith('replay ') && !l.includes('ETA 0:00'));
  assert.ok(lines.length > 0, `at least one progress line before the end:\n${result.stderr}`);
  for (const line of lines) {
    const m = /^replay ([\d.]+)% .*\| sessions \S+ planned \S+ active (\S+) completed (\S+) failed/.exec(
      line,
    );
    assert.ok(m, `a progress line: ${line}`);
    const shown = Number(m[1]);
    const ended = ((count(m[2]) + count(m[3])) / SESSIONS) * 100;
    assert.ok(
      Math.abs(shown - ended) < 25,
      `${shown}% shown when ${ended.toFixed(1)}% of sessions ended: ${line}`,
    );
  }
});
