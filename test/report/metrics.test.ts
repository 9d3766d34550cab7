import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OTHER_ENDPOINT, RunMetrics } from '../../src/report/metrics.ts';
import { exchange, newMetrics, plan } from './fixtures.ts';

function near(actual: number, expected: number, relative = 0.001): void {
  assert.ok(
    Math.abs(actual - expected) <= expected * relative,
    `${actual} is not within ${relative * 100}% of ${expected}`,
  );
}

describe('RunMetrics latency', () => {
  it('gives percentiles of known data within the histogram precision', () => {
    const { metrics } = newMetrics();
    const ref = plan(metrics, 0, { requestsPlanned: 1000 });
    metrics.sessionStarted(ref, 0);
    // last byte latencies 1..1000 ms, shuffled order
    const order = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) + 1);
    for (const [index, latency] of order.entries()) exchange(metrics, ref, index, index, latency);
    metrics.sessionEnded(ref, { outcome: 'completed', endedMs: 2000 });
    const { latency } = metrics.measured(2000);
    const last = latency.overall.lastByte;
    assert.equal(last.count, 1000);
    near(last.p50, 500);
    near(last.p90, 900);
    near(last.p99, 990);
    near(last['p99.9'], 999);
    near(last.max, 1000);
    near(last.mean, 500.5);
    assert.equal(last.min, 1);
    near(latency.overall.firstByte.p50, 250);
  });

  it('keeps microsecond resolution for sub-millisecond latencies', () => {
    const { metrics } = newMetrics();
    const ref = plan(metrics, 0, { requestsPlanned: 3 });
    exchange(metrics, ref, 0, 0, 0.25);
    exchange(metrics, ref, 1, 1, 0.5);
    exchange(metrics, ref, 2, 2, 0.75);
    const last = metrics.measured(10).latency.overall.lastByte;
    assert.deepEqual([last.min, last.p50, last.max], [0.25, 0.5, 0.75]);
  });

  it('splits latency by captured server port and by HTTP endpoint, capping the endpoints', () => {
    const { metrics } = newMetrics({ maxEndpoints: 2 });
    const web = plan(metrics, 0, { server: '10.0.0.2:80', requestsPlanned: 4 });
    const api = plan(metrics, 1, { server: '[2001:db8::1]:8443', requestsPlanned: 1 });
    exchange(metrics, web, 0, 0, 10, { path: '/a?x=1' });
    exchange(metrics, web, 1, 1, 20, { path: '/a?x=2' });
    exchange(metrics, web, 2, 2, 30, { path: '/b' });
    exchange(metrics, web, 3, 3, 40, { path: '/c' });
    exchange(metrics, api, 0, 0, 1000, { path: '/d' });
    const { byPort, byEndpoint } = metrics.measured(100).latency;
    assert.deepEqual(
      byPort.map((entry) => [entry.port, entry.lastByte.count, entry.lastByte.max]),
      [
        [80, 4, 40],
        [8443, 1, 1000],
      ],
    );
    assert.deepEqual(
      byEndpoint.map((entry) => [entry.method, entry.path, entry.lastByte.count]),
      [
        ['GET', '/a', 2],
        [OTHER_ENDPOINT.method, OTHER_ENDPOINT.path, 2],
        ['GET', '/b', 1],
      ],
    );
  });
});

describe('RunMetrics endpoint buckets', () => {
  it('are the first endpoints in plan order, whatever order the answers come in', () => {
    const outcome = (answerOrder: number[]) => {
      const { metrics } = newMetrics({ maxEndpoints: 2 });
      const refs = ['/a', '/b', '/c'].map((_, i) => plan(metrics, i, { requestsPlanned: 1 }));
      for (const i of answerOrder) exchange(metrics, refs[i], 0, 0, 10 + i, { path: ['/a', '/b', '/c'][i] });
      return metrics.measured(100).latency.byEndpoint.map((e) => `${e.path}:${e.lastByte.count}`);
    };
    const expected = ['/a:1', '/b:1', '(other):1'];
    assert.deepEqual(outcome([0, 1, 2]), expected);
    assert.deepEqual(outcome([2, 1, 0]), expected);
    assert.deepEqual(outcome([1, 2, 0]), expected);
  });
});

describe('RunMetrics send lag and throughput', () => {
  it('measures how late sends were against their schedule', () => {
    const { metrics } = newMetrics();
    const ref = plan(metrics, 0, { requestsPlanned: 100 });
    for (let i = 0; i < 100; i++)
      exchange(metrics, ref, i, i * 10 + (i === 99 ? 50 : 1), 1, { scheduledMs: i * 10 });
    const { sendLag } = metrics.measured(1000);
    assert.equal(sendLag.count, 100);
    assert.equal(sendLag.p50, 1);
    assert.equal(sendLag.p99, 1);
    assert.equal(sendLag.max, 50);
  });

  it('counts requests and bytes per second of the run', () => {
    const { clock, metrics } = newMetrics();
    const ref = plan(metrics, 0, { requestsPlanned: 6 });
    for (const [index, sentMs] of [100, 200, 900, 1500, 3100, 3200].entries())
      exchange(metrics, ref, index, sentMs, 50);
    clock.ms = 1200;
    metrics.bytes(ref, 300, 4000);
    metrics.bytes(ref, 0, 1000, 2500);
    const { throughput, totals } = metrics.measured(4000);
    assert.deepEqual(throughput.sent, [3, 1, 0, 2]);
    assert.deepEqual(throughput.answered, [3, 1, 0, 2]);
    assert.deepEqual(throughput.bytesSent, [0, 300, 0, 0]);
    assert.deepEqual(throughput.bytesReceived, [0, 4000, 1000, 0]);
    assert.equal(throughput.peakRps, 3);
    assert.equal(throughput.meanRps, 1.5);
    assert.deepEqual(totals.bytes, { sent: 300, received: 5000 });
  });

  it('never gives a peak rate below the mean rate, even for a run shorter than a second', () => {
    const { metrics } = newMetrics();
    const ref = plan(metrics, 0, { requestsPlanned: 400 });
    for (let index = 0; index < 400; index++) exchange(metrics, ref, index, index, 0.5);
    const { throughput } = metrics.measured(500);
    assert.equal(throughput.meanRps, 800);
    assert.equal(throughput.peakRps, 800);
  });
});

describe('RunMetrics sessions', () => {
  it('accounts for every planned session, ending those that never finished', () => {
    const { metrics } = newMetrics();
    const refs = [0, 1, 2, 3, 4].map((id) => plan(metrics, id, { requestsPlanned: 2 }));
    metrics.sessionStarted(refs[0], 1);
    exchange(metrics, refs[0], 0, 1, 5);
    exchange(metrics, refs[0], 1, 2, 5);
    metrics.sessionEnded(refs[0], { outcome: 'completed', endedMs: 10 });
    metrics.sessionStarted(refs[1], 1);
    metrics.sessionEnded(refs[1], { outcome: 'refused', reason: 'ECONNREFUSED', endedMs: 2 });
    metrics.sessionEnded(refs[1], { outcome: 'completed', endedMs: 3 });
    metrics.sessionEnded(refs[2], { outcome: 'not-replayable', reason: 'no handshake (--only-complete)' });
    metrics.sessionStarted(refs[3], 5);
    exchange(metrics, refs[3], 0, 5, 5);
    const measured = metrics.measured(50);
    assert.deepEqual(
      measured.sessions.map((s) => [s.sessionId, s.outcome, s.reason]),
      [
        [0, 'completed', undefined],
        [1, 'refused', 'ECONNREFUSED'],
        [2, 'not-replayable', 'no handshake (--only-complete)'],
        [3, 'stopped', 'the run ended before the session finished'],
        [4, 'stopped', 'the run ended before the session started'],
      ],
    );
    const { sessions, requests } = measured.totals;
    assert.equal(sessions.planned, 5);
    assert.equal(sessions.started, 3);
    assert.equal(sessions.completed, 1);
    assert.equal(sessions.failed, 1);
    assert.equal(sessions.byOutcome.stopped, 2);
    assert.deepEqual(requests, {
      planned: 10,
      sent: 3,
      answered: 3,
      lost: 0,
      unansweredAsCaptured: 0,
      awaitingAtStop: 0,
      notCaptured: 0,
    });
  });

  it('counts requests the capture holds no byte of, per session and in all, apart from lost ones', () => {
    const { metrics } = newMetrics();
    plan(metrics, 0, { requestsPlanned: 3, requestsNotCaptured: 1 });
    const late = plan(metrics, 1, { requestsPlanned: 0 });
    metrics.requestPlanned(late, false);
    metrics.requestPlanned(late, true);
    metrics.requestPlanned(late, true);
    const measured = metrics.measured(10);
    assert.deepEqual(
      measured.sessions.map((s) => [s.requestsPlanned, s.requestsNotCaptured]),
      [
        [3, 1],
        [3, 2],
      ],
    );
    assert.equal(measured.totals.requests.planned, 6);
    assert.equal(measured.totals.requests.notCaptured, 3);
    assert.equal(measured.totals.requests.lost, 0);
  });

  it('a request the capture has no answer to either is not lost when unanswered, and counted apart', () => {
    const { metrics } = newMetrics();
    const ref = plan(metrics, 0, { requestsPlanned: 4 });
    exchange(metrics, ref, 0, 0, 1);
    metrics.requestSent(ref, { index: 1, scheduledMs: 1, sentMs: 1, bytesSent: 5 });
    metrics.requestSent(ref, {
      index: 2,
      scheduledMs: 2,
      sentMs: 2,
      bytesSent: 5,
      unansweredInCapture: true,
    });
    metrics.requestSent(ref, {
      index: 3,
      scheduledMs: 3,
      sentMs: 3,
      bytesSent: 5,
      unansweredInCapture: true,
    });
    metrics.requestAnswered(ref, { index: 3, firstByteMs: 1, lastByteMs: 1, responseBytes: 9 });
    metrics.sessionEnded(ref, { outcome: 'reset-by-target', endedMs: 5 });
    const measured = metrics.measured(10);
    const { requests } = measured.totals;
    assert.deepEqual(
      [requests.sent, requests.answered, requests.lost, requests.unansweredAsCaptured],
      [4, 2, 1, 1],
    );
    assert.deepEqual(
      measured.sessions[0].requests.map((r) => r.unansweredInCapture),
      [undefined, undefined, true, true],
    );
  });

  it('orders sessions by id, copy and loop whatever the order they were planned in', () => {
    const { metrics } = newMetrics();
    plan(metrics, 2, { loop: 1 });
    plan(metrics, 1, { copy: 1 });
    plan(metrics, 2, { loop: 0 });
    plan(metrics, 1, { copy: 0 });
    const keys = metrics.measured(1).sessions.map((s) => `${s.sessionId}/${s.copy}/${s.loop}`);
    assert.deepEqual(keys, ['1/0/0', '1/1/0', '2/0/0', '2/0/1']);
  });

  it('records HTTP status on the request and counts statuses', () => {
    const { metrics } = newMetrics();
    const ref = plan(metrics, 0, { requestsPlanned: 3 });
    exchange(metrics, ref, 0, 0, 1, { path: '/', status: 200 });
    exchange(metrics, ref, 1, 1, 1, { path: '/', status: 200 });
    exchange(metrics, ref, 2, 2, 1, { path: '/x', status: 404 });
    metrics.requestSent(ref, { index: 3, scheduledMs: 3, sentMs: 3, bytesSent: 10 });
    metrics.sessionEnded(ref, { outcome: 'timed-out', endedMs: 8 });
    const measured = metrics.measured(10);
    assert.deepEqual(measured.totals.httpStatus, { 200: 2, 404: 1 });
    assert.deepEqual(measured.sessions[0].requests[2].http, { method: 'GET', path: '/x', status: 404 });
    assert.equal(measured.totals.requests.lost, 1);
  });

  it('a request awaiting its answer when the run stopped is not lost, unless its answer never came before', () => {
    const { metrics } = newMetrics();
    const [stopped, byUser, timedOut] = [0, 1, 2].map((id) => plan(metrics, id, { requestsPlanned: 2 }));
    for (const ref of [stopped, byUser, timedOut]) {
      metrics.sessionStarted(ref, 0);
      exchange(metrics, ref, 0, 0, 1);
      metrics.requestSent(ref, { index: 1, scheduledMs: 2, sentMs: 2, bytesSent: 10 });
    }
    metrics.sessionEnded(timedOut, { outcome: 'timed-out', endedMs: 5 });
    metrics.sessionEnded(byUser, { outcome: 'stopped', reason: 'the run was stopped', endedMs: 6 });
    // The transport told the answer as it wound down: it came after all.
    metrics.requestAnswered(byUser, { index: 1, firstByteMs: 3, lastByteMs: 3, responseBytes: 5 });
    const { requests } = metrics.measured(10).totals; // `stopped` still running: the run ends it
    assert.deepEqual(
      [requests.sent, requests.answered, requests.lost, requests.awaitingAtStop],
      [6, 4, 1, 1],
    );
  });

  it('gives every time of a session and its requests to the microsecond', () => {
    const { metrics } = newMetrics();
    const ref = plan(metrics, 0, { requestsPlanned: 1 });
    metrics.sessionStarted(ref, 1.0000004);
    metrics.requestSent(ref, { index: 0, scheduledMs: 284.41179900000003, sentMs: 284.4121, bytesSent: 1 });
    metrics.requestAnswered(ref, {
      index: 0,
      firstByteMs: 7.417177000000038,
      lastByteMs: 7.4176,
      responseBytes: 1,
    });
    metrics.sessionEnded(ref, { outcome: 'completed', endedMs: 300.0004999 });
    const session = metrics.measured(400).sessions[0];
    const [request] = session.requests;
    assert.deepEqual(
      [
        session.startedMs,
        request.scheduledMs,
        request.sentMs,
        request.firstByteMs,
        request.lastByteMs,
        session.endedMs,
      ],
      [1, 284.412, 284.412, 7.417, 7.418, 300],
    );
  });

  it("an answer told again with its late tail grows the request's bytes, and its status and the slowest once", () => {
    const { metrics } = newMetrics();
    const ref = plan(metrics, 0, { requestsPlanned: 1 });
    metrics.sessionStarted(ref, 0);
    const http = { method: 'POST', path: '/' };
    metrics.requestSent(ref, { index: 0, scheduledMs: 0, sentMs: 0, bytesSent: 10, http });
    metrics.requestAnswered(ref, { index: 0, firstByteMs: 1, lastByteMs: 1, responseBytes: 25 });
    metrics.requestAnswered(ref, {
      index: 0,
      firstByteMs: 1,
      lastByteMs: 400,
      responseBytes: 68,
      status: 200,
    });
    metrics.requestAnswered(ref, {
      index: 0,
      firstByteMs: 1,
      lastByteMs: 401,
      responseBytes: 70,
      status: 200,
    });
    assert.equal(metrics.snapshot().slowestSessions[0]?.slowestMs, 401, 'the live list follows the tail');
    const measured = metrics.measured(500);
    const [request] = measured.sessions[0].requests;
    assert.deepEqual([request.responseBytes, request.lastByteMs, request.http?.status], [70, 401, 200]);
    assert.deepEqual(measured.totals.httpStatus, { 200: 1 });
    assert.equal(measured.totals.requests.answered, 1);
  });
});

describe('RunMetrics snapshot', () => {
  it('gives the live view counts, rates, percentiles and the worst sessions', () => {
    const { clock, metrics } = newMetrics({ planned: 20 });
    for (let id = 0; id < 12; id++) {
      const ref = plan(metrics, id);
      metrics.sessionStarted(ref, id * 100);
      exchange(metrics, ref, 0, id * 100, id + 1);
      if (id < 9) metrics.sessionEnded(ref, { outcome: 'completed', endedMs: id * 100 + 50 });
      else
        metrics.sessionEnded(ref, {
          outcome: 'reset-by-target',
          reason: `reset ${id}`,
          endedMs: id * 100 + 50,
        });
    }
    const active = plan(metrics, 12);
    metrics.sessionStarted(active, 1200);
    clock.ms = 1300;
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.elapsedMs, 1300);
    assert.deepEqual(
      [
        snapshot.sessions.planned,
        snapshot.sessions.started,
        snapshot.sessions.active,
        snapshot.sessions.completed,
        snapshot.sessions.failed,
      ],
      [20, 13, 1, 9, 3],
    );
    assert.equal(snapshot.sessions.byOutcome['reset-by-target'], 3);
    assert.deepEqual(snapshot.requests, { planned: 13, sent: 12, answered: 12 });
    near(snapshot.sentPerSecond, (12 * 1000) / 1300);
    near(snapshot.latency.p99, 6);
    assert.deepEqual(
      snapshot.lastErrors.map((error) => [error.sessionId, error.reason]),
      [
        [11, 'reset 11'],
        [10, 'reset 10'],
        [9, 'reset 9'],
      ],
    );
    assert.deepEqual(
      snapshot.slowestSessions.map((session) => session.sessionId),
      [11, 10, 9, 8, 7, 6, 5, 4, 3, 2],
    );
    assert.deepEqual(
      snapshot.failedSessions.map((session) => session.outcome),
      Array(3).fill('reset-by-target'),
    );
  });

  it('stays cheap with 100k sessions', () => {
    const metrics = new RunMetrics({ planned: 100_000 });
    for (let id = 0; id < 100_000; id++) {
      const ref = plan(metrics, id);
      metrics.sessionStarted(ref, id / 10);
      exchange(metrics, ref, 0, id / 10, (id % 977) + 0.5, { path: `/p${id % 300}` });
      metrics.sessionEnded(ref, { outcome: id % 50 === 0 ? 'timed-out' : 'completed', endedMs: id / 10 + 1 });
    }
    const started = performance.now();
    for (let i = 0; i < 100; i++) metrics.snapshot();
    const perSnapshotMs = (performance.now() - started) / 100;
    assert.ok(perSnapshotMs < 5, `snapshot took ${perSnapshotMs.toFixed(2)} ms`);
    assert.equal(metrics.snapshot().sessions.failed, 2000);
  });
});
