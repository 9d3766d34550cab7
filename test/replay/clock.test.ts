import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplayClock } from '../../src/replay/clock.ts';

function fakeWall() {
  let now = 1000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('replay clock', () => {
  it('runs the capture timeline at the speed factor', () => {
    const wall = fakeWall();
    const clock = new ReplayClock(wall.now, 2);
    wall.advance(500);
    assert.equal(clock.captureNowUs(), 1_000_000);
    assert.equal(clock.delayMs(3_000_000), 1000);
    assert.equal(clock.lateMs(900_000), 50);
  });

  it('a speed change re-anchors without a jump', () => {
    const wall = fakeWall();
    const clock = new ReplayClock(wall.now, 1);
    wall.advance(100);
    clock.setSpeed(10);
    assert.equal(clock.captureNowUs(), 100_000);
    wall.advance(100);
    assert.equal(clock.captureNowUs(), 1_100_000);
  });

  it('stands still while paused and holds everything back', () => {
    const wall = fakeWall();
    const clock = new ReplayClock(wall.now, 1);
    wall.advance(100);
    clock.pause();
    wall.advance(5000);
    assert.equal(clock.captureNowUs(), 100_000);
    assert.equal(clock.delayMs(0), Number.POSITIVE_INFINITY);
    assert.equal(clock.lateMs(0), Number.NEGATIVE_INFINITY);
    clock.resume();
    wall.advance(50);
    assert.equal(clock.captureNowUs(), 150_000);
  });

  it('--speed max: everything is due at once, except while paused', () => {
    const wall = fakeWall();
    const clock = new ReplayClock(wall.now, Number.POSITIVE_INFINITY);
    assert.equal(clock.delayMs(1e12), 0);
    assert.equal(clock.lateMs(1e12), 0);
    clock.pause();
    assert.equal(clock.delayMs(0), Number.POSITIVE_INFINITY);
    clock.resume();
    assert.equal(clock.delayMs(1e12), 0);
  });

  it('refuses a speed that is not positive', () => {
    assert.throws(() => new ReplayClock(() => 0, 0), RangeError);
    assert.throws(() => new ReplayClock(() => 0, 1).setSpeed(-1), RangeError);
  });
});
