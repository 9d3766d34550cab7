import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatInterceptLine, formatRecordLine, formatReplayLine } from '../../src/tui/lines.ts';
import { interceptProgress, recordProgress, replayProgress } from './samples.ts';

function assertPlainLine(line: string): void {
  assert.doesNotMatch(line, /\x1b/, 'no ANSI escapes');
  assert.doesNotMatch(line, /[\r\n]/, 'a single line');
}

test('replay line: progress, timing, sessions, rates, percentiles and the newest error', () => {
  const line = formatReplayLine(replayProgress());
  assertPlainLine(line);
  assert.match(line, /^replay 42\.0% 0:12\/0:30 elapsed 0:12 ETA 0:17 speed 1x \|/);
  assert.match(line, /7 failed \(reset-by-target 5, timed-out 2\)/);
  assert.match(line, /requests 1\.23k sent \(53\/s\) 1\.2k answered/, 'the rate is of requests sent');
  assert.match(line, /latency p50 1\.20 ms p99 8\.40 ms/);
  assert.match(line, /send lag p50 0\.100 ms p99 0\.350 ms/);
  assert.match(line, /last error: 10\.0\.0\.7:40112: connection reset/);
});

test('replay line: paused and finished states, no failures, no errors', () => {
  const line = formatReplayLine(
    replayProgress({
      paused: true,
      timelineDoneUs: 30_000_000,
      etaMs: undefined,
      sessions: { planned: 4, active: 0, completed: 4, notCompleted: {} },
      lastErrors: [],
    }),
  );
  assertPlainLine(line);
  assert.match(line, /100\.0% 0:30\/0:30 .* ETA - speed 1x PAUSED/);
  assert.match(line, /0 failed \|/);
  assert.doesNotMatch(line, /last error/);
});

test('replay line: stopped and not-replayable sessions are not failures, as in the report', () => {
  const line = formatReplayLine(
    replayProgress({
      sessions: {
        planned: 10,
        active: 0,
        completed: 6,
        notCompleted: { stopped: 2, 'not-replayable': 1, refused: 1 },
      },
    }),
  );
  assert.match(line, /6 completed 1 failed \(refused 1\) 3 not replayed \(stopped 2, not-replayable 1\) \|/);
});

test('record line', () => {
  const line = formatRecordLine(recordProgress({ dropped: 12 }));
  assertPlainLine(line);
  assert.equal(
    line,
    'record 123k packets 48.0 MiB 10.5k/s | sessions 2.35k seen 17 active | ports 80 (2k), 6379 (300), 443 (45)' +
      ' | dropped 12 | traffic.pcap (file 3) 16.0 MiB | elapsed 1:05',
  );
});

test('intercept line', () => {
  const line = formatInterceptLine(interceptProgress());
  assertPlainLine(line);
  assert.equal(
    line,
    'intercept 2 replayers | captured 5k (250/s) routed 4.99k (249/s) held 4 (0/s) unroutable 6 (1/s)' +
      ' dropped 0 (0/s) | routes 42 | uptime 1:02:03',
  );
});
