import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACK,
  CLIENT_ISN,
  capturedSession,
  Drive,
  PSH,
  RST,
  SYN,
  segments,
  TARGET_ISN,
  wire,
} from './script.ts';

const T1 = TARGET_ISN + 1;

/** Established, a 1000-byte request in flight. */
function established(): Drive {
  const d = new Drive({ session: capturedSession([{ data: Buffer.alloc(1000), responseBytes: 500 }]) });
  d.start(0);
  d.synAck(1_000);
  return d;
}

describe('session engine: feedback that does not fit is counted, never fatal', () => {
  it('a duplicated response segment is re-acknowledged and counted', () => {
    const d = established();
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 1001, flags: PSH | ACK, payloadLength: 500 });
    const again = segments(
      d.feed(2_100, { seq: T1, ack: CLIENT_ISN + 1001, flags: PSH | ACK, payloadLength: 500 }),
    );
    assert.deepEqual(again.map(wire), [{ seq: CLIENT_ISN + 1001, ack: T1 + 500, flags: ACK, len: 0 }]);
    assert.deepEqual(d.engine.stats.ignored, { 'duplicate-response': 1 });
    assert.equal(d.engine.stats.responseBytes, 500, 'counted once');
  });

  it('reordered feedback: an older ACK is ignored, the data it carries still counts', () => {
    const d = established();
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 1001 });
    d.feed(2_100, { seq: T1, ack: CLIENT_ISN + 501, payloadLength: 100 });
    assert.deepEqual(d.engine.stats.ignored, { 'old-ack': 1 });
    assert.equal(d.engine.stats.responseBytes, 100);
  });

  it('response segments out of order: the hole is acknowledged, the late one is a duplicate', () => {
    const d = established();
    const ahead = segments(
      d.feed(2_000, { seq: T1 + 100, ack: CLIENT_ISN + 1001, flags: PSH | ACK, payloadLength: 100 }),
    );
    assert.equal(ahead[0].ack, T1 + 200);
    assert.equal(d.engine.stats.responseHoles, 1);
    d.feed(2_100, { seq: T1, ack: CLIENT_ISN + 1001, payloadLength: 100 });
    assert.deepEqual(d.engine.stats.ignored, { 'duplicate-response': 1 });
  });

  it('an ACK for data never sent drops the segment', () => {
    const d = established();
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 5000, payloadLength: 100 });
    assert.deepEqual(d.engine.stats.ignored, { 'ack-beyond-snd-nxt': 1 });
    assert.equal(d.engine.stats.responseBytes, 0);
  });

  it('out-of-window sequence numbers and RSTs are ignored; the session goes on', () => {
    const d = established();
    d.feed(2_000, { seq: T1 + 10_000_000, ack: CLIENT_ISN + 1001, payloadLength: 10 });
    d.feed(2_100, { seq: T1 + 10_000_000, ack: 0, flags: RST });
    d.feed(2_200, { seq: T1 - 5, ack: 0, flags: RST });
    assert.deepEqual(d.engine.stats.ignored, { 'seq-out-of-window': 1, 'rst-out-of-window': 2 });
    assert.equal(d.engine.state, 'established');
  });

  it('a repeated SYN-ACK (our ACK was lost) is re-acknowledged', () => {
    const d = established();
    const again = segments(d.synAck(1_500));
    assert.deepEqual(again.map(wire), [{ seq: CLIENT_ISN + 1001, ack: T1, flags: ACK, len: 0 }]);
    assert.deepEqual(d.engine.stats.ignored, { 'duplicate-syn-ack': 1 });
  });

  it('duplicate pure ACKs with nothing in flight, segments without ACK, stray SYNs', () => {
    const d = established();
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 1001 });
    d.feed(2_100, { seq: T1, ack: CLIENT_ISN + 1001 });
    d.feed(2_200, { seq: T1, ack: 0, flags: PSH });
    d.feed(2_300, { seq: 1, ack: 0, flags: SYN });
    assert.deepEqual(d.engine.stats.ignored, { 'duplicate-ack': 1, 'no-ack-flag': 1, 'unexpected-syn': 1 });
  });

  it('feedback before start and after the end is counted', () => {
    const d = new Drive({ session: capturedSession([{ data: 'x' }]) });
    d.feed(0, { seq: 1, ack: 1 });
    d.start(1);
    d.stop(2);
    d.feed(3, { seq: 1, ack: 1 });
    assert.deepEqual(d.engine.stats.ignored, { 'not-started': 1, 'session-over': 1 });
    assert.equal(d.engine.stats.feedback, 2);
  });
});
