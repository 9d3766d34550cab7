import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveClock } from '../../src/capture/live-clock.ts';

describe('LiveClock', () => {
  it('adds monotonic offsets to the wall-clock anchor with nanosecond carry', () => {
    let monotonic = 5000;
    const clock = new LiveClock({ wallMs: () => 1_700_000_000_999, monotonicMs: () => monotonic });
    const t = { tsSec: 0, tsNsec: 0 };
    clock.stamp(t);
    assert.deepEqual(t, { tsSec: 1_700_000_000, tsNsec: 999_000_000 });
    monotonic += 0.0015; // 1.5 µs later
    clock.stamp(t);
    assert.deepEqual(t, { tsSec: 1_700_000_000, tsNsec: 999_001_500 });
    monotonic += 2.5; // crosses the second
    clock.stamp(t);
    assert.deepEqual(t, { tsSec: 1_700_000_001, tsNsec: 1_501_500 });
  });

  it('never goes backwards on the real clock', () => {
    const clock = new LiveClock();
    const t = { tsSec: 0, tsNsec: 0 };
    let previous = 0;
    for (let i = 0; i < 10000; i++) {
      clock.stamp(t);
      const ns = t.tsSec * 1e9 + t.tsNsec;
      assert.ok(ns >= previous);
      previous = ns;
    }
  });
});
