import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serve } from './cooperative-target.ts';
import type { RequestSpec } from './script.ts';
import {
  ACK,
  CLIENT_ISN,
  capturedSession,
  Drive,
  FIN,
  ofKind,
  PSH,
  RST,
  segments,
  TARGET_ISN,
  wire,
} from './script.ts';

const T1 = TARGET_ISN + 1;
/** Input for a `sort`-like service: it answers only once the client's FIN came. */
const LINES = 'pear\napple\nfig\n';
const END = CLIENT_ISN + 1 + LINES.length;

/** A session of one half-closed request, sent at the handshake and acknowledged at 7 ms. */
function halfClosedAndAcked(spec: Partial<RequestSpec> = {}): Drive {
  // inputEnded false, as the raw transport drives it: the FIN must not wait for the end of input.
  const session = capturedSession([{ data: LINES, responseBytes: 300, halfClosed: true, ...spec }]);
  const d = new Drive({ session, inputEnded: false });
  d.start(0);
  d.synAck(5_000);
  return d;
}

describe('session engine: a client that half-closes after its request', () => {
  it('sends its FIN as soon as the request is acknowledged, before any response', () => {
    const d = halfClosedAndAcked();
    assert.equal(ofKind(d.log, 'request-sent').length, 1);
    const fin = d.feed(7_000, { seq: T1, ack: END });
    assert.deepEqual(segments(fin).map(wire), [{ seq: END, ack: T1, flags: FIN | ACK, len: 0 }]);
    assert.deepEqual(ofKind(fin, 'response'), []);
    assert.equal(d.engine.state, 'half-closed');

    const finAcked = d.feed(8_000, { seq: T1, ack: END + 1 });
    assert.deepEqual(
      finAcked.filter((a) => a.kind !== 'timer'),
      [],
      'the ACK of our FIN does not end it',
    );
    assert.equal(d.engine.state, 'half-closed');
  });

  it('receives, acknowledges and reports the answer after the FIN; the target FIN completes it', () => {
    const d = halfClosedAndAcked();
    d.feed(7_000, { seq: T1, ack: END });
    d.feed(8_000, { seq: T1, ack: END + 1 });

    const first = d.feed(50_000, { seq: T1, ack: END + 1, payloadLength: 200 });
    const second = d.feed(50_100, { seq: T1 + 200, ack: END + 1, flags: PSH | ACK, payloadLength: 100 });
    assert.deepEqual(
      segments([...first, ...second]).map(wire),
      [{ seq: END + 1, ack: T1 + 300, flags: ACK, len: 0 }],
      'one ACK for two segments, at once for PSH',
    );
    assert.equal(d.engine.stats.responseBytes, 300);

    const close = d.feed(50_200, { seq: T1 + 300, ack: END + 1, flags: FIN | ACK });
    assert.deepEqual(ofKind(close, 'response'), [
      { kind: 'response', index: 0, firstUs: 50_000, lastUs: 50_100, bytes: 300 },
    ]);
    assert.deepEqual(segments(close).map(wire), [{ seq: END + 1, ack: T1 + 301, flags: RST | ACK, len: 0 }]);
    assert.deepEqual(ofKind(close, 'done'), [{ kind: 'done', outcome: 'completed' }]);
    assert.deepEqual(d.engine.stats.ignored, {});
  });

  it('ends like any session when the response is over and the target keeps its side open', () => {
    const d = halfClosedAndAcked();
    d.feed(7_000, { seq: T1, ack: END });
    d.feed(8_000, { seq: T1, ack: END + 1 });
    d.feed(50_000, { seq: T1, ack: END + 1, flags: PSH | ACK, payloadLength: 300 });

    const end = d.advance(1_000_000);
    assert.deepEqual(ofKind(end, 'response'), [
      { kind: 'response', index: 0, firstUs: 50_000, lastUs: 50_000, bytes: 300 },
    ]);
    assert.deepEqual(segments(end).map(wire), [{ seq: END + 1, ack: T1 + 300, flags: RST | ACK, len: 0 }]);
    assert.deepEqual(ofKind(end, 'done'), [{ kind: 'done', outcome: 'completed' }]);
    const doneAt = d.times[d.log.findIndex((a) => a.kind === 'done')];
    assert.ok(doneAt > 50_000 && doneAt <= 100_000, `over after a quiet time, at ${doneAt} µs`);
  });

  it('sends its FIN at the captured time when the client idled before closing', () => {
    const d = halfClosedAndAcked({ halfClosedAfterUs: 2_000_000 });
    d.feed(7_000, { seq: T1, ack: END });
    assert.deepEqual(segments(d.advance(1_999_000)), [], 'no FIN before its time');
    assert.equal(d.engine.state, 'established');
    const fin = d.advance(2_001_000);
    assert.deepEqual(segments(fin).map(wire), [{ seq: END, ack: T1, flags: FIN | ACK, len: 0 }]);
    assert.equal(d.engine.state, 'half-closed');
  });

  it('sends its FIN once the driver releases the close (one past the parts), not before', () => {
    const session = capturedSession([
      { data: LINES, responseBytes: 0, halfClosed: true, halfClosedAfterUs: 5_000 },
    ]);
    const partsReleased = [1];
    const d = new Drive({ session, inputEnded: false, partsReleased });
    d.start(0);
    d.synAck(5_000);
    d.feed(7_000, { seq: T1, ack: END });
    assert.deepEqual(segments(d.advance(3_000_000)), [], 'the engine does not pace what its driver paces');
    partsReleased[0] = 2;
    const fin = d.requestAvailable(3_000_000);
    assert.deepEqual(segments(fin).map(wire), [{ seq: END, ack: T1, flags: FIN | ACK, len: 0 }]);
  });

  it('a target that closes before our delayed FIN, without the answer, ends it closed early', () => {
    const d = halfClosedAndAcked({ halfClosedAfterUs: 2_000_000 });
    d.feed(7_000, { seq: T1, ack: END });
    const closed = d.feed(500_000, { seq: T1, ack: END, flags: FIN | ACK });
    assert.deepEqual(ofKind(closed, 'done'), [
      {
        kind: 'done',
        outcome: 'closed-early',
        reason: 'the target closed the connection without answering request 0',
      },
    ]);
  });

  it('runs no session timeout while our FIN waits for its captured time, longer than the timeout', () => {
    const d = halfClosedAndAcked({ halfClosedAfterUs: 70_000_000 });
    d.feed(7_000, { seq: T1, ack: END });
    const fin = d.advance(70_001_000);
    assert.deepEqual(ofKind(d.log, 'done'), [], 'not timed out at 60 s: the answer comes after the close');
    assert.deepEqual(segments(fin).map(wire), [{ seq: END, ack: T1, flags: FIN | ACK, len: 0 }]);
  });

  it('waits for the ACK of its FIN when the response is over first', () => {
    const d = halfClosedAndAcked();
    d.feed(7_000, { seq: T1, ack: END });
    d.feed(9_000, { seq: T1, ack: END, flags: PSH | ACK, payloadLength: 300 });
    const resent = d.advance(500_000);
    assert.deepEqual(
      segments(resent)
        .filter((s) => s.flags & FIN)
        .map(wire),
      [{ seq: END, ack: T1 + 300, flags: FIN | ACK, len: 0 }],
      'the lost FIN is resent on RTO',
    );
    assert.deepEqual(ofKind(resent, 'done'), []);
    assert.equal(d.engine.state, 'fin-sent');
    const end = d.feed(600_000, { seq: T1 + 300, ack: END + 1 });
    assert.deepEqual(ofKind(end, 'done'), [{ kind: 'done', outcome: 'completed' }]);
    assert.deepEqual(ofKind(d.log, 'response').length, 1);
  });

  it('times out as before when the target never answers', () => {
    const d = halfClosedAndAcked();
    d.feed(7_000, { seq: T1, ack: END });
    d.feed(8_000, { seq: T1, ack: END + 1 });
    const end = d.advance(200_000_000);
    assert.deepEqual(ofKind(end, 'done'), [
      { kind: 'done', outcome: 'timed-out', reason: 'no progress from the target for 30 s' },
    ]);
    assert.equal(d.times[d.log.findIndex((a) => a.kind === 'done')], 8_000 + 30_000_000);
    assert.deepEqual(ofKind(d.log, 'response'), []);
  });

  it('a request that is not half-closed still waits for its response before the FIN', () => {
    const d = halfClosedAndAcked({ halfClosed: false });
    const acked = d.feed(7_000, { seq: T1, ack: END });
    assert.deepEqual(segments(acked), []);
    assert.deepEqual(segments(d.advance(1_000_000)), [], 'no FIN while the answer is owed');
    assert.equal(d.engine.state, 'established');
    d.feed(1_000_000, { seq: T1, ack: END, flags: PSH | ACK, payloadLength: 300 });
    d.inputEnded(1_000_001);
    const fin = d.advance(1_100_000);
    assert.deepEqual(
      fin.filter((a) => a.kind !== 'timer').map((a) => (a.kind === 'send' ? a.segment.flags : a.kind)),
      ['response', FIN | ACK],
      'response reported, then the FIN',
    );
  });

  it('only the half-closed request sends its FIN early: the one before it waits for its answer', () => {
    const hello = 'HELLO\n';
    const session = capturedSession([
      { data: hello, responseBytes: 6 },
      { data: LINES, responseBytes: 300, halfClosed: true },
    ]);
    const d = new Drive({ session, inputEnded: false });
    d.start(0);
    d.synAck(5_000);
    const helloEnd = CLIENT_ISN + 1 + hello.length;
    assert.deepEqual(
      segments(d.feed(7_000, { seq: T1, ack: helloEnd })),
      [],
      'no FIN after the first request',
    );
    d.feed(8_000, { seq: T1, ack: helloEnd, flags: PSH | ACK, payloadLength: 6 });
    const second = d.advance(100_000);
    assert.deepEqual(segments(second).map(wire), [
      { seq: helloEnd, ack: T1 + 6, flags: PSH | ACK, len: LINES.length },
    ]);
    const end = helloEnd + LINES.length;
    const fin = d.feed(101_000, { seq: T1 + 6, ack: end });
    assert.deepEqual(segments(fin).map(wire), [{ seq: end, ack: T1 + 6, flags: FIN | ACK, len: 0 }]);
  });

  it('against a target that answers at end of input: completes, where it timed out without the half-close', () => {
    const spec: RequestSpec = { data: LINES, offsetUs: 30_000, responseBytes: 3_000, halfClosed: true };
    const halfClosing = new Drive({ session: capturedSession([spec]) });
    assert.equal(serve(halfClosing, 600_000_000, { answerAtEof: true }), 'completed');
    assert.deepEqual(
      ofKind(halfClosing.log, 'response').map((r) => r.bytes),
      [3_000],
    );
    const doneAt = halfClosing.times[halfClosing.log.findIndex((a) => a.kind === 'done')];
    assert.ok(doneAt < 1_000_000, `well before the session timeout: ${doneAt} µs`);

    const notHalfClosed = new Drive({ session: capturedSession([{ ...spec, halfClosed: false }]) });
    assert.equal(serve(notHalfClosed, 600_000_000, { answerAtEof: true }), 'timed-out');
  });

  it('a target that closes or resets on the half-close without answering ends the session so', () => {
    for (const [flags, outcome, verb] of [
      [FIN | ACK, 'closed-early', 'closed'],
      [RST, 'reset-by-target', 'reset'],
    ] as const) {
      const d = halfClosedAndAcked();
      d.feed(7_000, { seq: T1, ack: END });
      const close = d.feed(9_000, { seq: T1, ack: END + 1, flags });
      assert.deepEqual(ofKind(close, 'done'), [
        { kind: 'done', outcome, reason: `the target ${verb} the connection without answering request 0` },
      ]);
    }
  });

  it('looks at the last request sent, not at one after it the capture holds no byte of', () => {
    const session = capturedSession([
      { data: LINES, responseBytes: 300 },
      { data: '', missing: 10, responseBytes: 0, halfClosed: true },
    ]);
    const d = new Drive({ session, inputEnded: false });
    d.start(0);
    d.synAck(5_000);
    const acked = d.feed(7_000, { seq: T1, ack: END });
    assert.deepEqual(segments(acked), [], 'no FIN before the answer to the last request sent');
    assert.equal(d.engine.state, 'established');
  });
});
