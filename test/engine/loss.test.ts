import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACK,
  CLIENT_ISN,
  capturedSession,
  Drive,
  ofKind,
  PSH,
  RST,
  segments,
  TARGET_ISN,
  wire,
} from './script.ts';

const T1 = TARGET_ISN + 1;

describe('session engine: loss and retransmission', () => {
  it('resends an unacknowledged request on RTO, doubling the timeout each time', () => {
    const d = new Drive({ session: capturedSession([{ data: 'PING\r\n' }]) });
    d.start(0);
    d.synAck(10_000); // RTT sample 10 ms: RTO = max(200 ms, 10 + 4 * 5 ms)
    const sentAt = 10_000;
    const resent = d.advance(sentAt + 1_500_000);
    assert.equal(segments(resent).length, 3, 'three retransmissions within 1.5 s');
    const wakes = d.log.flatMap((a) => (a.kind === 'timer' ? [a.atUs - sentAt] : []));
    assert.deepEqual(wakes.slice(-4), [200_000, 600_000, 1_400_000, 3_000_000], 'RTO 200, 400, 800, 1600 ms');
    for (const s of segments(resent)) {
      assert.deepEqual(wire(s), { seq: CLIENT_ISN + 1, ack: T1, flags: PSH | ACK, len: 6 });
    }
    assert.equal(d.engine.stats.rtoExpirations, 3);
    assert.equal(d.engine.stats.retransmissions, 3);
    assert.deepEqual(ofKind(d.log, 'request-sent').length, 1, 'a retransmission is not a new request');

    d.feed(1_600_000, { seq: T1, ack: CLIENT_ISN + 7 });
    assert.deepEqual(segments(d.advance(5_000_000)), [], 'acknowledged: nothing resent');
  });

  it('fast retransmit on the third duplicate ACK resends only the oldest segment', () => {
    const body = Buffer.alloc(5000, 0x61);
    const d = new Drive({ session: capturedSession([{ data: body }]) });
    d.start(0);
    const first = d.synAck(1_000, { options: { mss: 1000 } });
    assert.deepEqual(
      segments(first).map((s) => s.payload.length),
      [1000, 1000, 1000, 1000, 1000],
      'cut to the target MSS',
    );
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 1001 });
    assert.deepEqual(segments(d.feed(2_100, { seq: T1, ack: CLIENT_ISN + 1001 })), []);
    assert.deepEqual(segments(d.feed(2_200, { seq: T1, ack: CLIENT_ISN + 1001 })), []);
    const fast = segments(d.feed(2_300, { seq: T1, ack: CLIENT_ISN + 1001 }));
    assert.deepEqual(fast.map(wire), [{ seq: CLIENT_ISN + 1001, ack: T1, flags: ACK, len: 1000 }]);
    assert.equal(d.engine.stats.fastRetransmits, 1);
    assert.deepEqual(segments(d.feed(2_400, { seq: T1, ack: CLIENT_ISN + 1001 })), [], 'once per loss');
    d.feed(2_500, { seq: T1, ack: CLIENT_ISN + 5001 });
    assert.equal(d.engine.stats.retransmissions, 1);
  });

  it('RTO resends everything from the oldest unacknowledged byte (go-back-N)', () => {
    const d = new Drive({ session: capturedSession([{ data: Buffer.alloc(3000, 0x62) }]) });
    d.start(0);
    d.synAck(1_000, { options: { mss: 1000 } });
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 1001 });
    const resent = segments(d.advance(2_000 + 200_000));
    assert.deepEqual(
      resent.map((s) => s.seq - CLIENT_ISN),
      [1001, 2001],
    );
  });

  it('a target that never acknowledges times out: RST and timed-out', () => {
    const d = new Drive({
      session: capturedSession([{ data: 'PING\r\n' }]),
      options: { sessionTimeoutUs: 5_000_000 },
    });
    d.start(0);
    d.synAck(1_000);
    const end = d.advance(10_000_000);
    const done = ofKind(end, 'done');
    assert.deepEqual(done, [
      { kind: 'done', outcome: 'timed-out', reason: 'no progress from the target for 5 s' },
    ]);
    assert.equal(d.log.findIndex((a) => a.kind === 'done') > 0, true);
    const resets = segments(end).filter((s) => s.flags & RST);
    assert.deepEqual(
      resets.map((s) => s.seq - CLIENT_ISN),
      [1, 7],
      'at the acknowledged seq, and at the highest sent one',
    );
  });
});
