// A request the captured client sent in parts, pausing with nothing from the server between them
// (telemetry readings, a message stream): the engine releases each part at its delay after the
// first, holds everything after the request until its last part went, and reports the request
// sent only then.
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
const data = (d: Drive) =>
  segments(d.log)
    .filter((s) => s.payload.length > 0)
    .map((s) => [
      d.times[d.log.findIndex((a) => a.kind === 'send' && a.segment === s)],
      s.payload.toString(),
    ]);

describe('session engine: a request sent in parts', () => {
  it('sends each part at its delay after the first, with PSH, and reports the request once its last part went', () => {
    const d = new Drive({ session: telemetry() });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 3 });
    d.advance(500_999);
    assert.deepEqual(data(d), [[1_000, 'r1;']]);
    assert.deepEqual(ofKind(d.log, 'request-sent'), [], 'not sent while parts are left');
    d.advance(501_000);
    d.feed(502_000, { seq: T1, ack: C1 + 6 });
    d.advance(1_001_000);
    assert.deepEqual(data(d), [
      [1_000, 'r1;'],
      [501_000, 'r2;'],
      [1_001_000, 'r3;'],
    ]);
    assert.ok(segments(d.log).every((s) => s.payload.length === 0 || s.flags === (PSH | ACK)));
    assert.deepEqual(ofKind(d.log, 'request-sent'), [
      { kind: 'request-sent', index: 0, atUs: 1_001_000, scheduledUs: 0, bytes: 9, pausedUs: 1_000_000 },
    ]);
  });

  it('holds the next request until the last part went, then paces it as captured', () => {
    const d = new Drive({ session: telemetry() });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 3 });
    d.advance(501_000);
    d.feed(502_000, { seq: T1, ack: C1 + 6 });
    d.advance(1_001_000);
    d.feed(1_002_000, { seq: T1, ack: C1 + 9 });
    d.advance(1_200_000);
    assert.deepEqual(data(d).at(-1), [1_200_000, 'get\n']);
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
    d.advance(251_000);
    d.feed(252_000, { seq: T1, ack: C1 + 6 });
    d.advance(301_000);
    assert.deepEqual(data(d), [
      [1_000, 'r1;'],
      [251_000, 'r2;'],
      [301_000, 'r3;'],
    ]);
  });

  it('does not time out on a pause longer than the session timeout: the target owes nothing then', () => {
    const session = capturedSession([{ data: 'ab', responseBytes: 10, parts: [[1, 40_000_000]] }]);
    const d = new Drive({ session, options: { sessionTimeoutUs: 1_000_000 } });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: C1 + 1 });
    d.advance(40_001_000);
    assert.deepEqual(ofKind(d.log, 'done'), []);
    assert.deepEqual(data(d), [
      [1_000, 'a'],
      [40_001_000, 'b'],
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
    d.advance(301_000);
    d.feed(302_000, { seq: T1, ack: C1 + 2 });
    d.advance(400_000);
    assert.ok(segments(d.log).some((s) => s.flags & FIN));
  });

  it('starts the request again from its first part on a new connection when the target closes in between', () => {
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
    d.advance(401_000);
    assert.deepEqual(data(d), [
      [1_000, 'a'],
      [101_000, 'a'],
      [401_000, 'b'],
    ]);
    assert.deepEqual(
      ofKind(d.log, 'request-sent').map((r) => [r.atUs, r.pausedUs]),
      [[401_000, 300_000]],
    );
  });
});
