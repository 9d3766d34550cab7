import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACK,
  CLIENT_ISN,
  capturedSession,
  Drive,
  FIN,
  ofKind,
  PSH,
  RST,
  SYN,
  segments,
  TARGET_ISN,
  wire,
} from './script.ts';

const T1 = TARGET_ISN + 1;
const threeRequests = () =>
  capturedSession([
    { data: 'aaaa', responseBytes: 10 },
    { data: 'bbbb', responseBytes: 10 },
    { data: 'cccc', responseBytes: 10 },
  ]);

/** Request 0 delivered and answered, request 1 sent: the engine is mid-session. */
function midSession(maxReconnects: number): Drive {
  const d = new Drive({ session: threeRequests(), options: { maxReconnects } });
  d.start(0);
  d.synAck(1_000);
  d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 5, flags: PSH | ACK, payloadLength: 10 });
  d.advance(20_000); // quiet: request 1 goes
  return d;
}

describe('session engine: the target closes or resets mid-session', () => {
  it('reconnects on a fresh ISN and resends the unacknowledged request, then continues', () => {
    const d = midSession(3);
    assert.equal(ofKind(d.log, 'request-sent').length, 2);
    const reset = d.feed(30_000, { seq: T1 + 10, ack: 0, flags: RST, window: 0 });
    const [syn] = segments(reset);
    const iss2 = CLIENT_ISN + 9 + 64_000;
    assert.deepEqual(wire(syn), { seq: iss2, ack: 0, flags: SYN, len: 0 }, 'ISN = highest seq + 64000');
    assert.equal(d.engine.stats.reconnects, 1);

    const resent = segments(
      d.feed(31_000, { seq: 90_000, ack: iss2 + 1, flags: SYN | ACK, options: { mss: 1460 } }),
    );
    assert.deepEqual(resent.map(wire), [{ seq: iss2 + 1, ack: 90_001, flags: PSH | ACK, len: 4 }]);
    assert.equal(resent[0].payload.toString(), 'bbbb');
    assert.equal(ofKind(d.log, 'request-sent').length, 2, 'the resent request is not reported twice');
  });

  it('gives up after maxReconnects: reset-by-target', () => {
    const d = midSession(1);
    d.feed(30_000, { seq: T1 + 10, ack: 0, flags: RST });
    const iss2 = CLIENT_ISN + 9 + 64_000;
    d.feed(31_000, { seq: 90_000, ack: iss2 + 1, flags: SYN | ACK });
    const end = d.feed(32_000, { seq: 90_001, ack: 0, flags: RST });
    assert.deepEqual(segments(end), [], 'the target already reset: no RST from us');
    assert.deepEqual(ofKind(end, 'done'), [
      {
        kind: 'done',
        outcome: 'reset-by-target',
        reason: 'the target reset the connection with 2 request(s) left after 1 reconnect(s)',
      },
    ]);
  });

  it('counts reconnects in a row: a response on the new connection earns the next one', () => {
    const session = capturedSession(
      ['aaaa', 'bbbb', 'cccc', 'dddd'].map((data) => ({ data, responseBytes: 10 })),
    );
    const d = new Drive({ session, options: { maxReconnects: 1 } });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 5, flags: PSH | ACK, payloadLength: 10 });
    d.advance(20_000); // quiet: request 1 goes
    d.feed(30_000, { seq: T1 + 10, ack: CLIENT_ISN + 9, flags: FIN | ACK });
    const iss2 = CLIENT_ISN + 9 + 64_000;
    d.feed(31_000, { seq: 90_000, ack: iss2 + 1, flags: SYN | ACK }); // request 2 goes
    d.feed(32_000, { seq: 90_001, ack: iss2 + 5, flags: PSH | ACK, payloadLength: 10 });
    d.advance(60_000); // quiet: request 3 goes on the second connection
    const again = d.feed(61_000, { seq: 90_011, ack: iss2 + 5, flags: FIN | ACK });
    assert.equal(d.engine.stats.reconnects, 2, 'reconnected once more');
    assert.deepEqual(ofKind(again, 'done'), []);
    assert.deepEqual(
      ofKind(d.log, 'request-sent').map((r) => r.index),
      [0, 1, 2, 3],
    );
  });

  it('a FIN with requests left: RST the old connection, reconnect; closed-early when out of reconnects', () => {
    const d = midSession(1);
    const first = segments(d.feed(30_000, { seq: T1 + 10, ack: CLIENT_ISN + 9, flags: FIN | ACK }));
    assert.deepEqual(first.map(wire), [
      { seq: CLIENT_ISN + 9, ack: T1 + 11, flags: RST | ACK, len: 0 },
      { seq: CLIENT_ISN + 9 + 64_000, ack: 0, flags: SYN, len: 0 },
    ]);
    const iss2 = CLIENT_ISN + 9 + 64_000;
    d.feed(31_000, { seq: 90_000, ack: iss2 + 1, flags: SYN | ACK });
    const end = d.feed(32_000, { seq: 90_001, ack: iss2 + 1, flags: FIN | ACK });
    assert.equal(ofKind(end, 'done')[0].outcome, 'closed-early');
    assert.deepEqual(
      segments(end).map((s) => [s.flags, s.seq - iss2]),
      [
        [RST | ACK, 1],
        [RST | ACK, 5],
      ],
      'request 1 was unacknowledged: RST at the acknowledged and at the highest seq',
    );
  });

  it('a FIN after the last request was delivered ends the session as completed', () => {
    const d = new Drive({ session: capturedSession([{ data: 'aaaa', responseBytes: 10 }]) });
    d.start(0);
    d.synAck(1_000);
    const end = d.feed(3_000, { seq: T1, ack: CLIENT_ISN + 5, flags: FIN | PSH | ACK, payloadLength: 10 });
    assert.deepEqual(segments(end).map(wire), [
      { seq: CLIENT_ISN + 5, ack: T1 + 11, flags: RST | ACK, len: 0 },
    ]);
    assert.deepEqual(
      ofKind(end, 'response').map((r) => r.bytes),
      [10],
    );
    assert.equal(ofKind(end, 'done')[0].outcome, 'completed');
  });

  it('old feedback of the previous connection is ignored after a reconnect', () => {
    const d = midSession(3);
    d.feed(30_000, { seq: T1 + 10, ack: 0, flags: RST });
    d.feed(30_500, { seq: T1 + 10, ack: CLIENT_ISN + 9, flags: ACK });
    assert.equal(d.engine.state, 'syn-sent');
    assert.deepEqual(d.engine.stats.ignored, { 'before-syn-ack': 1 });
  });

  it('a close while the capture is still being read: reconnects when the next request arrives', () => {
    const session = capturedSession([{ data: 'aaaa', responseBytes: 10 }]);
    const d = new Drive({ session, inputEnded: false });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 5, flags: PSH | ACK, payloadLength: 10 });
    const close = d.feed(3_000, { seq: T1 + 10, ack: CLIENT_ISN + 5, flags: FIN | ACK });
    assert.deepEqual(
      segments(close).map((s) => s.flags),
      [RST | ACK],
    );
    assert.equal(d.engine.state, 'awaiting-input');
    assert.equal(ofKind(close, 'timer').length, 0, 'nothing to wake up for');

    session.requests.push({ ...capturedSession([{ data: 'bbbb' }]).requests[0], index: 1 });
    const syn = segments(d.requestAvailable(400_000));
    assert.deepEqual(syn.map(wire), [{ seq: CLIENT_ISN + 5 + 64_000, ack: 0, flags: SYN, len: 0 }]);
    assert.equal(d.engine.stats.reconnects, 1);
  });

  it('a close while the capture is still being read, then the input ends: completed', () => {
    const d = new Drive({
      session: capturedSession([{ data: 'aaaa', responseBytes: 0 }]),
      inputEnded: false,
    });
    d.start(0);
    d.synAck(1_000);
    d.feed(3_000, { seq: T1, ack: CLIENT_ISN + 5, flags: FIN | ACK });
    assert.deepEqual(d.inputEnded(4_000), [{ kind: 'done', outcome: 'completed' }]);
  });
});

describe('session engine: a request that cannot open a connection of its own', () => {
  const hello = Buffer.from([0x16, 3, 1, 0, 4, 1, 0, 0]);
  const record = Buffer.from([0x17, 3, 3, 0, 4, 1, 2, 3]);

  it('ends a TLS session the target closed instead of sending its records to a new connection', () => {
    const session = capturedSession([
      { data: hello, responseBytes: 10 },
      { data: record, responseBytes: 10 },
      { data: record, responseBytes: 10 },
    ]);
    const d = new Drive({ session, options: { maxReconnects: 3 } });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 9, flags: PSH | ACK, payloadLength: 10 });
    d.advance(20_000); // quiet: request 1 goes
    const end = d.feed(30_000, { seq: T1 + 10, ack: CLIENT_ISN + 9, flags: FIN | ACK });
    assert.equal(d.engine.stats.reconnects, 0);
    assert.ok(!segments(end).some((s) => wire(s).flags === SYN), 'no new connection');
    assert.deepEqual(ofKind(end, 'done'), [
      {
        kind: 'done',
        outcome: 'closed-early',
        reason:
          'the target closed the connection before request 1, the rest of a TLS session, which cannot go on over a new connection',
      },
    ]);
  });

  it('ends an HTTP upload whose rest has no request line of its own, and reconnects for a new request', () => {
    const upload = capturedSession([
      { data: 'POST /up HTTP/1.1\r\nContent-Length: 8\r\n\r\n', responseBytes: 10 },
      { data: 'bodybody', responseBytes: 0 },
    ]);
    const d = new Drive({ session: upload, options: { maxReconnects: 3 } });
    d.start(0);
    d.synAck(1_000);
    const headLength = 40;
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 1 + headLength, flags: PSH | ACK, payloadLength: 10 });
    d.advance(20_000);
    const end = d.feed(30_000, { seq: T1 + 10, ack: CLIENT_ISN + 1 + headLength, flags: RST });
    assert.equal(ofKind(end, 'done')[0]?.outcome, 'reset-by-target');
    assert.match(String(ofKind(end, 'done')[0]?.reason), /before request 1, the rest of an HTTP message/);

    const d2 = midSession(3);
    d2.feed(30_000, { seq: T1 + 10, ack: 0, flags: RST });
    assert.equal(d2.engine.stats.reconnects, 1, 'a request of its own still reconnects');
  });
});
