import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameQueue } from '../../src/intercept/frame-queue.ts';
import { FRAME_HEADER_SIZE, RECORD_SIZE } from '../../src/intercept/wire.ts';

/** A frame of `records` records whose bytes all equal `tag`. */
function frame(records: number, tag: number): Buffer {
  return Buffer.alloc(FRAME_HEADER_SIZE + records * RECORD_SIZE, tag);
}

describe('frame queue for a slow replayer', () => {
  it('hands back the oldest frames in order, up to a byte budget but at least one', () => {
    const queue = new FrameQueue(1 << 20);
    for (let i = 1; i <= 5; i++) queue.push(frame(16, i));
    const size = frame(16, 0).length;
    const first = queue.shiftUpTo(2 * size + 1);
    assert.deepEqual(
      first.map((f) => f[0]),
      [1, 2],
    );
    assert.deepEqual(
      queue.shiftUpTo(1).map((f) => f[0]),
      [3],
      'a frame larger than the budget still goes alone',
    );
    assert.equal(queue.length, 2);
    assert.equal(queue.byteLength, 2 * size);
  });

  it('when full, drops the oldest frames and counts their records', () => {
    const size = frame(16, 0).length;
    const queue = new FrameQueue(3 * size);
    let dropped = 0;
    for (let i = 1; i <= 5; i++) dropped += queue.push(frame(16, i));
    assert.equal(dropped, 2 * 16);
    assert.deepEqual(
      queue.shiftUpTo(1 << 20).map((f) => f[0]),
      [3, 4, 5],
    );
  });
});
