import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyHistogram } from '../../src/report/histogram.ts';

describe('LatencyHistogram', () => {
  it('never reports a percentile above the max or below the min recorded', () => {
    // Above 2.048 ms a bucket spans several µs; its top lies past 49.032 ms.
    const histogram = new LatencyHistogram();
    for (const ms of [27.151, 40.639, 48.767, 49.032]) histogram.record(ms);
    const summary = histogram.summary();
    assert.equal(summary.max, 49.032);
    for (const key of ['p50', 'p90', 'p99', 'p99.9'] as const) {
      assert.ok(summary[key] <= summary.max, `${key} ${summary[key]} > max ${summary.max}`);
      assert.ok(summary[key] >= summary.min, `${key} ${summary[key]} < min ${summary.min}`);
    }
    assert.equal(summary['p99.9'], 49.032);
  });

  it('gives one value recorded as every percentile', () => {
    const histogram = new LatencyHistogram();
    histogram.record(123.457);
    const { min, p50, p99, max } = histogram.summary();
    assert.deepEqual([min, p50, p99, max], [123.457, 123.457, 123.457, 123.457]);
  });
});
