import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESPONSE_QUIET } from '../../src/replay/response-quiet.ts';
import { ACK, CLIENT_ISN, capturedSession, Drive, ofKind, PSH, segments, TARGET_ISN } from './script.ts';

const T1 = TARGET_ISN + 1;
const two = (offsets: [number, number]) =>
  capturedSession(
    [
      { data: 'one\n', offsetUs: offsets[0], responseBytes: 300 },
      { data: 'two\n', offsetUs: offsets[1], responseBytes: 300 },
    ],
    { rttUs: 10_000 },
  );
const sentAt = (d: Drive) => ofKind(d.log, 'request-sent').map((r) => [r.index, r.atUs]);

describe('session engine: request pacing', () => {
  it('holds the next request until the response has been quiet for one captured RTT', () => {
    const d = new Drive({ session: two([0, 0]) });
    d.start(0);
    d.synAck(1_000);
    assert.deepEqual(sentAt(d), [[0, 1_000]]);
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 5 });
    d.advance(50_000);
    assert.deepEqual(sentAt(d), [[0, 1_000]], 'acknowledged but unanswered: still held');
    d.feed(60_000, { seq: T1, ack: CLIENT_ISN + 5, payloadLength: 200 });
    d.feed(65_000, { seq: T1 + 200, ack: CLIENT_ISN + 5, flags: PSH | ACK, payloadLength: 100 });
    d.advance(74_999);
    assert.deepEqual(sentAt(d), [[0, 1_000]], 'quiet for less than an RTT');
    d.advance(75_000);
    assert.deepEqual(sentAt(d), [
      [0, 1_000],
      [1, 75_000],
    ]);
    assert.deepEqual(ofKind(d.log, 'response'), [
      { kind: 'response', index: 0, firstUs: 60_000, lastUs: 65_000, bytes: 300 },
    ]);
  });

  it('--no-wait sends each request at its offset without waiting for responses', () => {
    const d = new Drive({ session: two([0, 20_000]), options: { noWait: true } });
    d.start(0);
    d.synAck(1_000);
    d.advance(20_000);
    assert.deepEqual(sentAt(d), [
      [0, 1_000],
      [1, 20_000],
    ]);
    const data = segments(d.log).filter((s) => s.payload.length > 0);
    assert.deepEqual(
      data.map((s) => s.seq - CLIENT_ISN),
      [1, 5],
      'still in order, back to back',
    );
  });

  it('never sends a request before its captured offset, scaled by the speed', () => {
    const d = new Drive({ session: two([100_000, 300_000]), options: { speed: 2, noWait: true } });
    d.start(1_000_000);
    d.synAck(1_001_000);
    d.advance(2_000_000);
    assert.deepEqual(sentAt(d), [
      [0, 1_050_000],
      [1, 1_150_000],
    ]);
    const scheduled = ofKind(d.log, 'request-sent').map((r) => r.scheduledUs);
    assert.deepEqual(scheduled, [1_050_000, 1_150_000]);
  });

  it('at --speed max the quiet wait is the floor (2 ms)', () => {
    const d = new Drive({
      session: two([5_000_000, 9_000_000]),
      options: { speed: Number.POSITIVE_INFINITY },
    });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 5, flags: PSH | ACK, payloadLength: 300 });
    d.advance(2_000 + RESPONSE_QUIET.minUs - 1);
    assert.deepEqual(sentAt(d), [[0, 1_000]]);
    d.advance(2_000 + RESPONSE_QUIET.minUs);
    assert.deepEqual(sentAt(d), [
      [0, 1_000],
      [1, 2_000 + RESPONSE_QUIET.minUs],
    ]);
  });
});

describe('session engine: a target that speaks first', () => {
  const greeted = (greetingBytes: number) => ({
    ...capturedSession([{ data: 'HELO x\r\n', responseBytes: 20 }], { rttUs: 10_000 }),
    greetingBytes,
  });

  it('holds the first request until the greeting came and went quiet for one captured RTT', () => {
    const d = new Drive({ session: greeted(30) });
    d.start(0);
    d.synAck(1_000);
    d.advance(500_000);
    assert.deepEqual(sentAt(d), [], 'no greeting yet: nothing sent');
    d.feed(600_000, { seq: T1, ack: CLIENT_ISN + 1, flags: PSH | ACK, payloadLength: 20 });
    d.feed(605_000, { seq: T1 + 20, ack: CLIENT_ISN + 1, flags: PSH | ACK, payloadLength: 10 });
    d.advance(614_999);
    assert.deepEqual(sentAt(d), [], 'quiet for less than an RTT');
    d.advance(615_000);
    assert.deepEqual(sentAt(d), [[0, 615_000]]);
    const [request] = segments(d.log).filter((seg) => seg.payload.length > 0);
    assert.equal(request.ack, T1 + 30, 'the request acknowledges the whole greeting');
    assert.deepEqual(ofKind(d.log, 'response'), [], 'the greeting is nobody’s response');
  });

  it('sends at once when the capture had no greeting, or with --no-wait', () => {
    for (const d of [
      new Drive({ session: greeted(0) }),
      new Drive({ session: greeted(30), options: { noWait: true } }),
    ]) {
      d.start(0);
      d.synAck(1_000);
      assert.deepEqual(sentAt(d), [[0, 1_000]]);
    }
  });

  it('times out, like a missing response, when the greeting never comes', () => {
    const d = new Drive({ session: greeted(30), options: { sessionTimeoutUs: 2_000_000 } });
    d.start(0);
    d.synAck(1_000);
    d.advance(3_000_000);
    assert.deepEqual(sentAt(d), []);
    const [done] = ofKind(d.log, 'done');
    assert.equal(done?.outcome, 'timed-out');
  });
});
