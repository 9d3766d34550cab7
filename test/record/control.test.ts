import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PacketAction, RecordControl } from '../../src/record/control.ts';

const HEADER = 24;

describe('RecordControl', () => {
  it('stops after exactly the packet count and discards what follows', () => {
    const control = new RecordControl({ count: 3 }, HEADER);
    const actions = [100, 100, 100, 100].map((n) => control.admit(n));
    assert.deepEqual(actions, [
      PacketAction.Write,
      PacketAction.Write,
      PacketAction.Write,
      PacketAction.Discard,
    ]);
    assert.equal(control.packets, 3);
    assert.equal(control.stopReason, 'count');
  });

  it('starts a new file before a packet would push the current one past the size limit', () => {
    const control = new RecordControl({ rotateBytes: HEADER + 250 }, HEADER);
    const actions = [100, 100, 100, 100, 100].map((n) => control.admit(n));
    assert.deepEqual(actions, [
      PacketAction.Write,
      PacketAction.Write,
      PacketAction.RotateThenWrite,
      PacketAction.Write,
      PacketAction.RotateThenWrite,
    ]);
    assert.equal(control.fileSequence, 3);
    assert.equal(control.fileBytes, HEADER + 100);
  });

  it('puts an oversized packet alone in its own file instead of rotating forever', () => {
    const control = new RecordControl({ rotateBytes: 50 }, HEADER);
    assert.equal(control.admit(1000), PacketAction.Write);
    assert.equal(control.admit(1000), PacketAction.RotateThenWrite);
    assert.equal(control.admit(10), PacketAction.RotateThenWrite);
    assert.equal(control.fileSequence, 3);
  });

  it('names the file that falls out of a ring of n files', () => {
    const control = new RecordControl({ rotateBytes: HEADER + 100, ringFiles: 2 }, HEADER);
    const expired: (number | null)[] = [];
    for (let i = 0; i < 4; i++) {
      if (control.admit(100) === PacketAction.RotateThenWrite) expired.push(control.expiredSequence);
    }
    assert.deepEqual(expired, [null, 1, 2]);
  });

  it('keeps the first stop reason', () => {
    const control = new RecordControl({}, HEADER);
    control.stop('terminated');
    control.stop('write-failed');
    assert.equal(control.stopReason, 'terminated');
    assert.equal(control.admit(10), PacketAction.Discard);
  });

  it('after a timed stop, still admits the packets captured before it, and only those', () => {
    const control = new RecordControl({}, HEADER);
    assert.equal(control.admit(100, 1000), PacketAction.Write);
    control.stop('interrupted', 2000);
    assert.equal(control.closed, false);
    const late = [1999.5, 2000, 1500, 2500].map((ms) => control.admit(100, ms));
    assert.deepEqual(late, [
      PacketAction.Write,
      PacketAction.Discard,
      PacketAction.Write,
      PacketAction.Discard,
    ]);
    assert.equal(control.packets, 3);
    assert.equal(control.stopReason, 'interrupted');
  });

  it('closes at once when the count is reached while a timed stop drains', () => {
    const control = new RecordControl({ count: 2 }, HEADER);
    control.stop('duration', 2000);
    assert.equal(control.admit(100, 1000), PacketAction.Write);
    assert.equal(control.admit(100, 1001), PacketAction.Write);
    assert.equal(control.closed, true);
    assert.equal(control.admit(100, 1002), PacketAction.Discard);
    assert.equal(control.stopReason, 'duration');
  });

  it('rejects limits that cannot work', () => {
    assert.throws(() => new RecordControl({ count: 0 }, HEADER), /count/);
    assert.throws(() => new RecordControl({ ringFiles: 0 }, HEADER), /ringFiles/);
  });
});
