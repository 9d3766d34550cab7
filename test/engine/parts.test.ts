// A request the captured client sent in parts, pausing with nothing from the server between them
// (telemetry readings, a message stream): the engine releases each part at its own time (the
// request's plus the part's delay), holds everything after the request until its last part went,
// awaits its answer only from then, and reports the request sent then.
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
} from './script.ts';

const T1 = TARGET_ISN + 1;
const C1 = CLIENT_ISN + 1;
/** Three readings 500 ms apart, never answered, then a request 1.2 s in that is. */
const telemetry = () =>
  capturedSession(
    [
      {
        data: 'r1;r2;r3;',
        responseBytes: 0,
        parts: [
          [3, 500_000],
          [6, 1_000_000],
        ],
      },
      { data: 'get\n', offsetUs: 1_200_000, responseBytes: 10 },
    ],
    { rttUs: 10_000 },
  );
/** [when, payload] of every data segment sent. */
const data = (d: Drive) =>
  d.log.flatMap((a, i) =>
    a.kind === 'send' && a.segment.payload.length > 0 ? [[d.times[i], a.segment.payload.toString()]] : [],
  );

describe('session engine: a request sent in parts', () => {
  it('sends each part at its own time, with PSH, and reports the request once its last part went', () => {
    const d = new Drive({ session: telemetry() });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 3 });
    d.advance(499_999);
    assert.deepEqual(data(d), [[1_000, 'r1;']]);
    assert.deepEqual(ofKind(d.log, 'request-sent'), [], 'not sent while parts are left');
    d.advance(500_000);
    d.feed(502_000, { seq: T1, ack: C1 + 6 });
    d.advance(1_000_000);
    assert.deepEqual(data(d), [
      [1_000, 'r1;'],
      [500_000, 'r2;'],
      [1_000_000, 'r3;'],
    ]);
    assert.ok(segments(d.log).every((s) => s.payload.length === 0 || s.flags === (PSH | ACK)));
    assert.deepEqual(ofKind(d.log, 'request-sent'), [
      { kind: 'request-sent', index: 0, atUs: 1_000_000, scheduledUs: 1_000_000, bytes: 9 },
    ]);
  });

  it('holds the next request until the last part went, then paces it as captured', () => {
    const d = new Drive({ session: telemetry() });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 3 });
    d.advance(500_000);
    d.feed(502_000, { seq: T1, ack: C1 + 6 });
    d.advance(1_000_000);
    d.feed(1_002_000, { seq: T1, ack: C1 + 9 });
    d.advance(1_200_000);
    assert.deepEqual(data(d).at(-1), [1_200_000, 'get\n']);
  });

  it('takes an answer that comes before the last part as the request’s (a 401 to a body’s head); the rest still goes', () => {
    const session = capturedSession(
      [
        { data: 'hello\n', responseBytes: 5 },
        { data: 'ab', offsetUs: 100_000, responseBytes: 3, parts: [[1, 400_000]] },
      ],
      { rttUs: 10_000 },
    );
    const d = new Drive({ session });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 6, flags: PSH | ACK, payloadLength: 5 });
    d.advance(100_000);
    assert.deepEqual(data(d).at(-1), [100_000, 'a']);
    d.feed(110_000, { seq: T1 + 5, ack: C1 + 7, flags: PSH | ACK, payloadLength: 3 });
    d.advance(500_000);
    assert.deepEqual(data(d).at(-1), [500_000, 'b'], 'the rest of the request goes as captured');
    d.feed(501_000, { seq: T1 + 8, ack: C1 + 8 });
    d.inputEnded(501_000);
    d.advance(600_000);
    assert.deepEqual(
      ofKind(d.log, 'response').map((r) => [r.index, r.bytes, r.firstUs]),
      [
        [0, 5, 2_000],
        [1, 3, 110_000],
      ],
    );
    assert.deepEqual(
      ofKind(d.log, 'request-sent').map((r) => [r.index, r.atUs]),
      [
        [0, 1_000],
        [1, 500_000],
      ],
    );
    assert.ok(
      segments(d.log).some((s) => s.flags & FIN),
      'and the session closes',
    );
  });

  it('does not send again a request answered before its last part when the target then closes (a 413)', () => {
    const session = capturedSession([{ data: 'ab', responseBytes: 3, parts: [[1, 400_000]] }], {
      rttUs: 10_000,
    });
    const d = new Drive({ session });
    d.start(0);
    d.synAck(1_000);
    d.feed(10_000, { seq: T1, ack: C1 + 1, flags: PSH | ACK, payloadLength: 3 });
    d.feed(11_000, { seq: T1 + 3, ack: C1 + 1, flags: FIN | ACK });
    d.advance(600_000);
    assert.equal(segments(d.log).filter((s) => s.flags === SYN).length, 1, 'no new connection');
    assert.deepEqual(
      d.log
        .filter((a) => a.kind === 'request-sent' || a.kind === 'response' || a.kind === 'done')
        .map((a) => a.kind),
      ['request-sent', 'response', 'done'],
    );
    assert.deepEqual(ofKind(d.log, 'done')[0]?.outcome, 'completed');
  });

  it('sends every part at once at --speed max', () => {
    const d = new Drive({ session: telemetry(), options: { speed: Number.POSITIVE_INFINITY } });
    d.start(0);
    d.synAck(1_000);
    assert.deepEqual(data(d), [[1_000, 'r1;r2;r3;']]);
  });

  it('scales the pauses by the speed and takes the delays the plan gives (--max-idle)', () => {
    const d = new Drive({ session: telemetry(), options: { speed: 2 }, partDelaysUs: [[500_000, 600_000]] });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 3 });
    d.advance(250_000);
    d.feed(252_000, { seq: T1, ack: C1 + 6 });
    d.advance(300_000);
    assert.deepEqual(data(d), [
      [1_000, 'r1;'],
      [250_000, 'r2;'],
      [300_000, 'r3;'],
    ]);
  });

  it('releases the parts only as the driver does, when it paces them (partsReleased)', () => {
    const partsReleased = [1, 1];
    const d = new Drive({ session: telemetry(), partsReleased });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 3 });
    d.advance(900_000);
    assert.deepEqual(data(d), [[1_000, 'r1;']], 'the captured times do not release them');
    partsReleased[0] = 3;
    d.requestAvailable(900_000);
    assert.deepEqual(data(d), [
      [1_000, 'r1;'],
      [900_000, 'r2;r3;'],
    ]);
  });

  it('does not time out on a pause longer than the session timeout: the target owes nothing then', () => {
    const session = capturedSession([{ data: 'ab', responseBytes: 10, parts: [[1, 40_000_000]] }]);
    const d = new Drive({ session, options: { sessionTimeoutUs: 1_000_000 } });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 1 });
    d.advance(40_000_000);
    assert.deepEqual(ofKind(d.log, 'done'), []);
    assert.deepEqual(data(d), [
      [1_000, 'a'],
      [40_000_000, 'b'],
    ]);
  });

  it('sends its FIN only after the last part', () => {
    const session = capturedSession([{ data: 'ab', responseBytes: 0, parts: [[1, 300_000]] }]);
    const d = new Drive({ session });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 1 });
    d.advance(200_000);
    assert.ok(!segments(d.log).some((s) => s.flags & FIN), 'no FIN between the parts');
    d.advance(300_000);
    d.feed(302_000, { seq: T1, ack: C1 + 2 });
    d.advance(400_000);
    assert.ok(segments(d.log).some((s) => s.flags & FIN));
  });

  it('sends the request again from its first part on a new connection when the target resets in between', () => {
    const session = capturedSession([{ data: 'ab', responseBytes: 10, parts: [[1, 300_000]] }]);
    const d = new Drive({ session });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 1 });
    d.feed(100_000, { seq: T1, ack: C1 + 1, flags: RST });
    const syns = segments(d.log).filter((s) => s.flags === SYN);
    assert.equal(syns.length, 2, 'reconnected');
    const iss = syns[1].seq;
    const target = 9000;
    d.feed(101_000, { seq: target, ack: (iss + 1) >>> 0, flags: SYN | ACK, options: { mss: 1460 } });
    d.feed(102_000, { seq: target + 1, ack: (iss + 2) >>> 0 });
    d.advance(300_000);
    assert.deepEqual(data(d), [
      [1_000, 'a'],
      [101_000, 'a'],
      [300_000, 'b'],
    ]);
    assert.deepEqual(
      ofKind(d.log, 'request-sent').map((r) => [r.atUs, r.scheduledUs]),
      [[300_000, 300_000]],
    );
  });
});
