import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClockSteps } from '../../src/flow/clock-steps.ts';

const T = 1_700_000_000_000_000;
const S = 1_000_000;

/** The mended times of records stamped `offsetsUs` after T, in file order. */
function mended(offsetsUs: number[], steps = new ClockSteps()): number[] {
  return offsetsUs.map((us, record) => steps.mend(T + us, record) - T);
}

/** Records every 0.5 s (or `everyUs`) from `fromUs`, `count` of them. */
function ticks(fromUs: number, count: number, everyUs = 0.5 * S): number[] {
  return Array.from({ length: count }, (_, i) => fromUs + i * everyUs);
}

function assertNeverBack(times: number[]): void {
  for (let i = 1; i < times.length; i++) {
    assert.ok(times[i] >= times[i - 1], `record ${i}: ${times[i - 1]} -> ${times[i]} µs`);
  }
}

describe('clock steps back', () => {
  it('a step back goes on from the time before it, the records after it keeping their spacing', () => {
    const steps = new ClockSteps();
    // 0, 0.5, 1 s, then the clock is set 5 s back: 1.5 s is stamped -3.5 s, and so on.
    const captured = ticks(0, 8);
    const stamped = captured.map((us, i) => (i >= 3 ? us - 5 * S : us));
    assert.deepEqual(
      mended(stamped, steps),
      captured.map((us, i) => (i >= 3 ? us - 0.5 * S : us)),
    );
    assert.deepEqual(steps.tally(), {
      count: 1,
      largestUs: 4.5 * S,
      firstFile: 0,
      firstRecord: 3,
      firstRawUs: T - 3.5 * S,
      firstStepUs: 4.5 * S,
    });
  });

  it('counts a step once the clock has run on from it (a second, or 16 records), but mends from the step on', () => {
    const steps = new ClockSteps();
    assert.deepEqual(mended([0, 0.5 * S, -4.5 * S, -4 * S], steps), [0, 0.5 * S, 0.5 * S, 1 * S]);
    assert.equal(steps.tally().count, 0);
    steps.mend(T - 3.4 * S, 4);
    assert.equal(steps.tally().count, 1);
    const dense = new ClockSteps();
    mended([0, 0.5 * S, ...Array.from({ length: 17 }, (_, i) => -4.5 * S + i * 1000)], dense);
    assert.equal(dense.tally().count, 1, 'or for 16 records after it');
  });

  it('one record stamped far back is no step: the records after it keep their own times', () => {
    const steps = new ClockSteps();
    const times = [...ticks(0, 3), -60 * S, ...ticks(1.5 * S, 4)];
    assert.deepEqual(
      mended(times, steps),
      times.map((us) => (us < 0 ? 1 * S : us)),
    );
    assert.equal(steps.tally().count, 0);
    assert.equal(steps.tally().largestUs, 0);
    assert.equal(steps.tally().firstRecord, -1);
  });

  it('copies of earlier records, jumping about far back, are no step either', () => {
    const steps = new ClockSteps();
    // After 12 s, copies stamped 2.7, 7.3 and 6.2 s, then the capture goes on at 12.1 s.
    const times = [...ticks(10 * S, 5), 2.7 * S, 7.3 * S, 6.2 * S, ...ticks(12.1 * S, 4)];
    const out = mended(times, steps);
    assert.deepEqual(out.slice(8), ticks(12.1 * S, 4));
    assert.equal(steps.tally().count, 0);
    assert.equal(steps.offsetUs, 0);
  });

  it('one record stamped far ahead (a glitch the replay handles) is no step, and moves nothing', () => {
    const twentyYears = 20 * 365 * 86_400 * S;
    for (const ahead of [twentyYears, 3 * S]) {
      const steps = new ClockSteps();
      const times = [0, 0.1 * S, ahead, ...ticks(0.2 * S, 4)];
      assert.deepEqual(mended(times, steps), times, `${ahead} µs ahead`);
      assert.equal(steps.tally().count, 0);
    }
    const firstAhead = [twentyYears, ...ticks(0, 4)];
    assert.deepEqual(mended(firstAhead), firstAhead, 'the first record');
  });

  it('a step back right after a record stamped far ahead is measured from the record before that one', () => {
    const steps = new ClockSteps();
    assert.deepEqual(mended([0, 0.5 * S, 3600 * S, ...ticks(-4.5 * S, 4)], steps), [
      0,
      0.5 * S,
      3600 * S,
      ...ticks(0.5 * S, 4),
    ]);
    assert.equal(steps.tally().count, 1);
    assert.equal(steps.tally().largestUs, 5 * S);
  });

  it('leaves records less than a second out of order as they are', () => {
    const steps = new ClockSteps();
    const times = [0, 0.5 * S, 0.2 * S, 0.6 * S, -0.3 * S, 0.7 * S];
    assert.deepEqual(mended(times, steps), times);
    assert.equal(steps.tally().count, 0);
  });

  it('counts several steps, the largest, and the first', () => {
    const steps = new ClockSteps();
    // Set back 2.5 s at record 3, 7 s at record 7, 2 s at record 11.
    const times = [...ticks(0, 3), ...ticks(-1.5 * S, 4), ...ticks(-7 * S, 4), ...ticks(-7.5 * S, 4)];
    // Each goes on from the record before it.
    assert.deepEqual(mended(times, steps), [
      ...ticks(0, 3),
      ...ticks(1 * S, 4),
      ...ticks(2.5 * S, 4),
      ...ticks(4 * S, 4),
    ]);
    assert.deepEqual(steps.tally(), {
      count: 3,
      largestUs: 7 * S,
      firstFile: 0,
      firstRecord: 3,
      firstRawUs: T - 1.5 * S,
      firstStepUs: 2.5 * S,
    });
  });

  it('the files of a recording share the offset and the count, which names the file of the first step', () => {
    const steps = new ClockSteps();
    steps.startFile();
    mended(ticks(0, 3), steps);
    steps.startFile();
    assert.deepEqual(
      mended([...ticks(1.5 * S, 2), ...ticks(-2 * S, 4)], steps),
      ticks(1.5 * S, 2).concat(ticks(2 * S, 4)),
    );
    steps.startFile();
    assert.deepEqual(mended(ticks(0, 2), steps), ticks(4 * S, 2));
    assert.deepEqual(steps.tally(), {
      count: 1,
      largestUs: 4 * S,
      firstFile: 1,
      firstRecord: 2,
      firstRawUs: T - 2 * S,
      firstStepUs: 4 * S,
    });
  });

  describe('in a sparse capture (records seconds apart)', () => {
    for (const everyS of [1.5, 5]) {
      it(`a step of 10 s, records every ${everyS} s: counted once, measured 10 s, the timeline going on`, () => {
        const steps = new ClockSteps();
        const every = everyS * S;
        // Up to 30 s, then the clock is set 10 s back: the next record is stamped 20 s, for a minute.
        const beforeStep = ticks(0, 30 / everyS + 1, every);
        const stamped = [...beforeStep, ...ticks(20 * S, 60 / everyS, every)];
        const out = mended(stamped, steps);
        assert.deepEqual(out, [...beforeStep, ...ticks(30 * S, 60 / everyS, every)]);
        assertNeverBack(out);
        assert.deepEqual(steps.tally(), {
          count: 1,
          largestUs: 10 * S,
          firstFile: 0,
          firstRecord: beforeStep.length,
          firstRawUs: T + 20 * S,
          firstStepUs: 10 * S,
        });
      });
    }

    it('a step at the second record of a burst (bursts of three, 1.5 s apart) is measured from the first', () => {
      const steps = new ClockSteps();
      const burst = (us: number) => [us, us + 10_000, us + 20_000];
      const captured = ticks(0, 40, 1.5 * S).flatMap(burst);
      const stepAt = captured.indexOf(30 * S) + 1;
      const stamped = captured.map((us, i) => (i >= stepAt ? us - 10 * S : us));
      assertNeverBack(mended(stamped, steps));
      assert.equal(steps.tally().count, 1);
      assert.equal(steps.tally().largestUs, 10 * S - 10_000);
    });

    it('one record stamped far back is still no step, nor one stamped far ahead', () => {
      const back = new ClockSteps();
      const times = [...ticks(0, 8, 5 * S), -60 * S, ...ticks(40 * S, 4, 5 * S)];
      assert.deepEqual(
        mended(times, back).filter((_, i) => i !== 8),
        times.filter((_, i) => i !== 8),
      );
      assert.equal(back.tally().count, 0);
      const ahead = new ClockSteps();
      const glitch = [...ticks(0, 8, 1.5 * S), 3600 * S, ...ticks(12 * S, 4, 1.5 * S)];
      assert.deepEqual(mended(glitch, ahead), glitch);
      assert.equal(ahead.tally().count, 0);
    });
  });
  it('two clocks 3 s apart, their records merged in batches, are no steps and add up to nothing', () => {
    // Host A's records true to time, host B's stamped 3 s behind; 20 records of each in turn, 10 ms apart.
    const stamped: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const clockUs = batch % 2 === 0 ? 0 : -3 * S;
      for (let i = 0; i < 20; i++) stamped.push((batch * 20 + i) * 10_000 + clockUs);
    }
    const steps = new ClockSteps();
    const times = mended(stamped, steps);
    assert.ok(
      Math.max(...times) <= 2 * S,
      `the mended timeline ends at ${Math.max(...times) / S} s, not 2 s`,
    );
    assert.equal(steps.tally().count, 0);
  });
});
