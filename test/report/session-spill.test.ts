import assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { buildReport } from '../../src/report/build.ts';
import { reportText } from '../../src/report/io.ts';
import type { EndedSessionSink, RunMetrics } from '../../src/report/metrics.ts';
import type { SessionResult } from '../../src/report/outcome.ts';
import { SessionSpill } from '../../src/report/session-spill.ts';
import { exchange, newMetrics, plan } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'rp-spill-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const spillPath = () => join(dir, `spill-${files++}.jsonl`);

function result(sessionId: number, copy: number, loop: number, path = '/é'): SessionResult {
  return {
    sessionId,
    copy,
    loop,
    client: `10.0.0.1:${40000 + sessionId}`,
    server: '10.0.0.2:80',
    target: '127.0.0.1:8080',
    outcome: 'completed',
    requestsPlanned: 1,
    requests: [{ index: 0, scheduledMs: 1, bytesSent: 10, responseBytes: 5, http: { method: 'GET', path } }],
    bytesSent: 10,
    bytesReceived: 5,
  };
}

describe('SessionSpill', () => {
  it('gives back every session in report order, however they ended and were batched', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.nat(50), fc.nat(3), fc.nat(2)), {
          selector: ([s, c, l]) => `${s}/${c}/${l}`,
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 2000 }),
        (keys, batchBytes) => {
          const spill = new SessionSpill(spillPath(), batchBytes);
          try {
            keys.forEach(([s, c, l], ref) => {
              spill.add(result(s, c, l, `/${'x'.repeat(s)}é`), ref);
            });
            const back = [...spill.lines()].map((line) => JSON.parse(line) as SessionResult);
            const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
            assert.deepEqual(
              back.map((r) => [r.sessionId, r.copy, r.loop]),
              sorted,
            );
            assert.deepEqual(
              back.map((r) => r.requests[0].http?.path),
              sorted.map(([s]) => `/${'x'.repeat(s)}é`),
            );
            assert.equal(spill.sessions, keys.length);
          } finally {
            spill.close();
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('orders sessions with the same id (two captures) by plan order, not by when they ended', () => {
    const spill = new SessionSpill(spillPath(), 1);
    try {
      spill.add(result(0, 0, 0, '/second-capture'), 5);
      spill.add(result(0, 0, 0, '/first-capture'), 2);
      assert.deepEqual(
        [...spill.lines()].map((line) => (JSON.parse(line) as SessionResult).requests[0].http?.path),
        ['/first-capture', '/second-capture'],
      );
    } finally {
      spill.close();
    }
  });

  it('a write that fails (disk full) keeps that batch and every later session in memory, and says why', () => {
    const spill = new SessionSpill(spillPath(), 2);
    const writeSync = fs.writeSync;
    try {
      spill.add(result(1, 0, 0), 1);
      spill.add(result(0, 0, 0), 0);
      fs.writeSync = () => {
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      };
      syncBuiltinESMExports();
      spill.add(result(3, 0, 0), 3);
      spill.add(result(2, 0, 0), 2);
      fs.writeSync = writeSync;
      syncBuiltinESMExports();
      spill.add(result(4, 0, 0), 4);
      spill.add(result(5, 0, 0), 5);
      assert.match(String(spill.error), /ENOSPC/);
      assert.equal(spill.sessions, 6);
      assert.deepEqual(
        [...spill.lines()].map((line) => (JSON.parse(line) as SessionResult).sessionId),
        [0, 1, 2, 3, 4, 5],
      );
    } finally {
      fs.writeSync = writeSync;
      syncBuiltinESMExports();
      spill.close();
    }
  });

  it('keeps what ended in its file until closed, one JSON object per line, then removes it', () => {
    const path = spillPath();
    const spill = new SessionSpill(path, 1);
    spill.add(result(2, 0, 0), 0);
    spill.add(result(1, 0, 0), 1);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as SessionResult).sessionId),
      [2, 1],
    );
    spill.close();
    assert.throws(() => readFileSync(path), /ENOENT/);
  });
});

/** Events as a replay sends them: sessions planned as the capture is read, ending in any order. */
function feed(metrics: RunMetrics): void {
  const refs = [0, 1, 2, 3].map((id) => plan(metrics, id, { requestsPlanned: 0 }));
  for (const [i, path] of ['/a', '/b', '/c', '/d'].entries()) {
    metrics.requestPlanned(refs[i]);
    metrics.endpointPlanned({ method: 'GET', path });
  }
  metrics.sessionStarted(refs[2], 1, '127.0.0.1:1002');
  exchange(metrics, refs[2], 0, 2, 30, { path: '/c', status: 200 });
  metrics.sessionEnded(refs[2], { outcome: 'completed', endedMs: 40 });
  metrics.requestPlanned(refs[2]); // the capture had one more request: read after the session ended
  metrics.inputEnded(refs[2]);
  metrics.inputEnded(refs[0]);
  metrics.sessionStarted(refs[0], 5, '127.0.0.1:1000');
  exchange(metrics, refs[0], 0, 6, 10, { path: '/a', status: 404 });
  metrics.sessionEnded(refs[0], { outcome: 'reset-by-target', reason: 'x', reconnects: 2, endedMs: 50 });
  metrics.sessionStarted(refs[1], 7, '127.0.0.1:1001');
  exchange(metrics, refs[1], 0, 8, 20, { path: '/b', status: 200 });
  // Session 1 never ends and session 3 never starts: measured() ends them 'stopped'.
}

describe('RunMetrics with ended sessions on disk', () => {
  it('writes the same report as keeping them in memory', () => {
    const inMemory = newMetrics({ maxEndpoints: 2 });
    feed(inMemory.metrics);
    inMemory.clock.ms = 100;
    const expected = [...reportText(build(inMemory.metrics))].join('');

    const spill = new SessionSpill(spillPath(), 64);
    try {
      const onDisk = newMetrics({ maxEndpoints: 2, endedSessions: spill });
      feed(onDisk.metrics);
      onDisk.clock.ms = 100;
      const report = build(onDisk.metrics);
      assert.deepEqual(report.sessions, [], 'no session stays in memory');
      assert.equal(spill.sessions, 4);
      assert.equal([...reportText(report, 1 << 20, spill.lines())].join(''), expected);
    } finally {
      spill.close();
    }
    const parsed = JSON.parse(expected);
    assert.deepEqual(
      parsed.latency.byEndpoint.map((e: { path: string }) => e.path),
      ['/a', '/b', '(other)'],
      'the endpoints planned first get their own latency, whichever session ended first',
    );
    assert.equal(parsed.sessions[2].requestsPlanned, 2, 'a request planned after the end still counts');
    assert.equal(parsed.totals.sessions.reconnects, 2);
  });

  it('names sessions gone to disk in the live view’s lists', () => {
    const sink: SessionResult[] = [];
    const { metrics } = newMetrics({
      endedSessions: { add: (r) => sink.push(r) } satisfies EndedSessionSink,
    });
    feed(metrics);
    const snapshot = metrics.snapshot();
    assert.equal(sink.length, 2, 'sessions 0 and 2 are final');
    assert.deepEqual(
      snapshot.failedSessions.map((s) => [s.sessionId, s.outcome]),
      [[0, 'reset-by-target']],
    );
    assert.deepEqual(
      snapshot.slowestSessions.map((s) => s.sessionId),
      [2, 1, 0],
    );
  });
});

function build(metrics: RunMetrics) {
  return buildReport(metrics, { captures: [], options: {}, targets: [], transport: 'socket' });
}
