/**
 * Figures of `compare` and the run report that a release decision rests on, checked against what
 * two runs of one build measured on loopback (tcpdump of the runs, the target's own log).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareReports, row, statusChanges } from '../../src/report/compare.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { exchange, newMetrics, plan, runReport } from './fixtures.ts';

describe('compare: what it calls worse', () => {
  it('does not call a few microseconds of send lag worse', () => {
    // Two replays of one capture against one build: send lag p50 0.030 and 0.039 ms.
    assert.equal(row('p50', 'ms', 'lower', 0.03, 0.039).verdict, 'same');
  });

  it('still calls a real slowdown worse', () => {
    assert.equal(row('p90', 'ms', 'lower', 7.71, 56.2).verdict, 'worse');
  });
});

describe('run report: mean requests per second', () => {
  it('is measured over the sessions, not over the replayer reading the capture before the first one', () => {
    const { metrics } = newMetrics();
    // The first read-ahead took 200 ms (195 ms measured for a 6 MB capture under load); then
    // 100 one-request sessions, one every 10 ms, each answered in 1 ms.
    for (let i = 0; i < 100; i++) {
      const ref = plan(metrics, i);
      const startMs = 200 + i * 10;
      metrics.sessionStarted(ref, startMs);
      exchange(metrics, ref, 0, startMs, 1);
      metrics.sessionEnded(ref, { outcome: 'completed', endedMs: startMs + 1 });
    }
    const { throughput } = metrics.measured(1200);
    // 100 answers over the 991 ms the sessions lasted: about 101/s, not 100 / 1.2 s = 83/s.
    assert.ok(throughput.meanRps >= 95, `meanRps ${throughput.meanRps}`);
  });
});

describe('compare: two runs of the same captures named in another order', () => {
  const first = { name: 'monday.pcap', sha256: 'a'.repeat(64), bytes: 1000 };
  const second = { name: 'tuesday.pcap', sha256: 'b'.repeat(64), bytes: 1000 };

  /** Two sessions from each capture, all answered 200 except Tuesday's second (500 in both runs). */
  function twoCaptureRun(order: 'monday first' | 'tuesday first'): RunReport {
    const report = runReport({ latenciesMs: [1, 1, 1, 1], statuses: [200, 200, 200, 500] });
    const [m0, m1, t0, t1] = report.sessions;
    const tuesdayIndex = order === 'monday first' ? 1 : 0;
    const mondayIndex = 1 - tuesdayIndex;
    const from = (session: (typeof report.sessions)[number], capture: number, sessionId: number) => {
      session.sessionId = sessionId;
      if (capture > 0) session.capture = capture;
      else delete session.capture;
    };
    from(m0, mondayIndex, 0);
    from(m1, mondayIndex, 1);
    from(t0, tuesdayIndex, 0);
    from(t1, tuesdayIndex, 1);
    report.captures = order === 'monday first' ? [first, second] : [second, first];
    report.sessions.sort((a, b) => (a.capture ?? 0) - (b.capture ?? 0) || a.sessionId - b.sessionId);
    return report;
  }

  it('finds no status change when no request changed', () => {
    const baseline = twoCaptureRun('monday first');
    const candidate = twoCaptureRun('tuesday first');
    assert.deepEqual(statusChanges(baseline, candidate), []);
    assert.equal(compareReports(baseline, candidate).statusChanges.count, 0);
  });

  it('finds none either when both runs named them in one order', () => {
    assert.deepEqual(statusChanges(twoCaptureRun('monday first'), twoCaptureRun('monday first')), []);
  });

  it('keeps the sessions of one capture named twice apart (reprise replay a.pcap a.pcap)', () => {
    const twice = () => {
      const report = twoCaptureRun('monday first');
      report.captures = [first, first];
      return report;
    };
    assert.deepEqual(statusChanges(twice(), twice()), []);
  });
});
