import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DrainEnd, StopDrain } from '../../src/record/drain.ts';

const STOP_AT = 1_700_000_000_000;
const LIMITS = { quietMs: 200, limitMs: 5000 };

/** A drain started at 0 ms on its own clock, fed scripted batches: [arrival ms, [timestamps relative to the stop]]. */
function drainAfter(batches: Array<[number, number[]]>): StopDrain {
  const drain = new StopDrain(STOP_AT, 0, LIMITS);
  for (const [at, stamps] of batches) for (const stamp of stamps) drain.arrived(STOP_AT + stamp, at);
  return drain;
}

describe('StopDrain', () => {
  it('goes on while the backlog from before the stop keeps coming, however long past the quiet time', () => {
    const batches: Array<[number, number[]]> = [];
    for (let at = 0; at <= 3000; at += 150) batches.push([at, [-900 + at / 10, -899 + at / 10]]);
    const drain = drainAfter(batches);
    assert.equal(drain.endAt(3000), null);
    assert.equal(drain.endAt(3199), null);
    assert.equal(drain.nextCheckInMs(3000), 200);
  });

  it('ends as soon as a packet stamped at or after the stop arrives (the ring has caught up)', () => {
    const drain = drainAfter([
      [10, [-50, -40]],
      [20, [-5, 0]],
    ]);
    assert.equal(drain.endAt(20), DrainEnd.CaughtUp);
  });

  it('is not caught up by packets stamped just before the stop', () => {
    const drain = drainAfter([[10, [-0.001]]]);
    assert.equal(drain.endAt(10), null);
  });

  it('ends when nothing arrived for the quiet time, counted from the last arrival', () => {
    const drain = drainAfter([[150, [-20]]]);
    assert.equal(drain.endAt(349), null);
    assert.equal(drain.nextCheckInMs(300), 50);
    assert.equal(drain.endAt(350), DrainEnd.Quiet);
  });

  it('ends after the quiet time when nothing at all arrives after the stop', () => {
    const drain = drainAfter([]);
    assert.equal(drain.nextCheckInMs(0), 200);
    assert.equal(drain.endAt(199), null);
    assert.equal(drain.endAt(200), DrainEnd.Quiet);
  });

  it('ends at the time limit even while packets from before the stop still come', () => {
    const batches: Array<[number, number[]]> = [];
    for (let at = 0; at < 5000; at += 100) batches.push([at, [-1000]]);
    const drain = drainAfter(batches);
    assert.equal(drain.endAt(4999), null);
    assert.equal(drain.nextCheckInMs(4950), 50);
    assert.equal(drain.endAt(5000), DrainEnd.TimeLimit);
  });

  it('is not quiet at a late check when the look at the capture just before it brought packets', () => {
    // The shell asks only after the event loop polled the capture; what it read then is fed first.
    const drain = drainAfter([[900, [-800]]]);
    assert.equal(drain.endAt(900), null);
  });
});
