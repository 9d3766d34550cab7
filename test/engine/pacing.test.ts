import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESPONSE_QUIET } from '../../src/replay/response-quiet.ts';
import {
  ACK,
  CLIENT_ISN,
  capturedSession,
  Drive,
  FIN,
  ofKind,
  PSH,
  SYN,
  segments,
  TARGET_ISN,
} from './script.ts';

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

  it('holds the next request for an answer the capture lacks when the request is HTTP, as the socket transport does', () => {
    const unanswered = (first: string) =>
      capturedSession(
        [
          { data: first, responseBytes: 0 },
          { data: 'two\n', responseBytes: 0 },
        ],
        { rttUs: 10_000 },
      );
    const http = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
    const d = new Drive({ session: unanswered(http) });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 1 + http.length });
    d.advance(50_000);
    assert.deepEqual(sentAt(d), [[0, 1_000]], 'HTTP is always answered: wait for it');
    d.feed(60_000, { seq: T1, ack: CLIENT_ISN + 1 + http.length, flags: PSH | ACK, payloadLength: 50 });
    d.advance(70_000);
    assert.deepEqual(sentAt(d), [
      [0, 1_000],
      [1, 70_000],
    ]);

    const other = new Drive({ session: unanswered('one\n') });
    other.start(0);
    other.synAck(1_000);
    other.feed(2_000, { seq: T1, ack: CLIENT_ISN + 5 });
    other.advance(12_000);
    assert.deepEqual(
      sentAt(other),
      [
        [0, 1_000],
        [1, 12_000],
      ],
      'not HTTP and unanswered in the capture: only the quiet is waited for',
    );
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

describe('session engine: a replay path slower than the captured one', () => {
  it('waits two measured round trips before calling a response over, not the captured loopback RTT', () => {
    // Captured on loopback (50 µs RTT); replayed over a path with intercept feedback 8 ms away.
    // The target sends its congestion window of the response, waits for our ACKs, then the rest.
    const d = new Drive({
      session: capturedSession([{ data: 'GET /big HTTP/1.1\r\n\r\n', responseBytes: 28_960 }], {
        rttUs: 50,
      }),
    });
    const requestEnd = CLIENT_ISN + 1 + 'GET /big HTTP/1.1\r\n\r\n'.length;
    d.start(0);
    d.synAck(8_000);
    d.feed(16_000, { seq: T1, ack: requestEnd, flags: PSH | ACK, payloadLength: 14_480 });
    d.advance(24_000); // our ACK reached the target 4 ms ago; the next flight is on its way
    d.feed(24_000, { seq: T1 + 14_480, ack: requestEnd, flags: PSH | ACK, payloadLength: 14_480 });
    d.advance(200_000);
    const fins = segments(d.log).filter((s) => s.flags & FIN);
    assert.ok(fins.length > 0, 'the session ends with a FIN');
    assert.ok(
      d.times[d.log.findIndex((a) => a.kind === 'send' && a.segment.flags & FIN)] >= 24_000 + 16_000,
      'no FIN before the response went quiet for two path RTTs',
    );
    assert.deepEqual(ofKind(d.log, 'response'), [
      { kind: 'response', index: 0, firstUs: 16_000, lastUs: 24_000, bytes: 28_960 },
    ]);
  });

  it('waits four path round trips while the response is shorter than the captured one (feedback jitter)', () => {
    const request = 'GET /big HTTP/1.1\r\n\r\n';
    const d = new Drive({
      session: capturedSession([{ data: request, responseBytes: 28_960 }], { rttUs: 50 }),
    });
    const requestEnd = CLIENT_ISN + 1 + request.length;
    d.start(0);
    d.synAck(8_000);
    d.feed(16_000, { seq: T1, ack: requestEnd, flags: PSH | ACK, payloadLength: 14_480 });
    d.advance(40_000); // the next flight's feedback is 24 ms late: three path RTTs
    d.feed(40_000, { seq: T1 + 14_480, ack: requestEnd, flags: PSH | ACK, payloadLength: 14_480 });
    d.advance(200_000);
    assert.deepEqual(
      ofKind(d.log, 'response').map((r) => r.bytes),
      [28_960],
    );
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

  it('a target that greets and closes every connection: no request, and the session ends after maxReconnects', () => {
    const d = new Drive({ session: greeted(30), options: { maxReconnects: 2 } });
    d.start(0);
    let isn = 0;
    for (let connection = 0; connection < 5 && ofKind(d.log, 'done').length === 0; connection++) {
      const [syn] = segments(d.log)
        .filter((s) => s.flags === SYN)
        .slice(-1);
      isn = syn.seq;
      const t = 10_000 * (connection + 1);
      d.feed(t, { seq: TARGET_ISN, ack: isn + 1, flags: SYN | ACK, options: { mss: 1460 } });
      d.feed(t + 1_000, { seq: T1, ack: isn + 1, flags: PSH | ACK, payloadLength: 30 });
      d.feed(t + 2_000, { seq: T1 + 30, ack: isn + 1, flags: FIN | ACK });
    }
    assert.deepEqual(sentAt(d), [], 'never a request: the greeting was quiet for less than an RTT each time');
    assert.equal(d.engine.stats.reconnects, 2);
    assert.equal(ofKind(d.log, 'done')[0]?.outcome, 'closed-early');
  });

  it('waits for the greeting again on a new connection after the target closed one', () => {
    const session = {
      ...capturedSession(
        [
          { data: 'USER a\r\n', responseBytes: 5 },
          { data: 'PASS b\r\n', responseBytes: 5 },
        ],
        { rttUs: 10_000 },
      ),
      greetingBytes: 30,
    };
    const d = new Drive({ session });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 1, flags: PSH | ACK, payloadLength: 30 });
    d.advance(12_000); // greeting quiet: USER goes
    d.feed(13_000, { seq: T1 + 30, ack: CLIENT_ISN + 9, flags: PSH | ACK, payloadLength: 5 });
    d.advance(23_000); // answered and quiet: PASS goes
    assert.deepEqual(sentAt(d), [
      [0, 12_000],
      [1, 23_000],
    ]);
    const syn2 = segments(d.feed(24_000, { seq: T1 + 35, ack: CLIENT_ISN + 9, flags: FIN | ACK })).find(
      (s) => s.flags === SYN,
    );
    assert.ok(syn2, 'PASS unacknowledged: a new connection');
    d.feed(25_000, { seq: 7_000, ack: syn2.seq + 1, flags: SYN | ACK, options: { mss: 1460 } });
    d.advance(60_000);
    const payloads = () => segments(d.log).filter((s) => s.payload.length > 0 && s.seq === syn2.seq + 1);
    assert.deepEqual(payloads(), [], 'PASS waits for the new connection’s greeting');
    d.feed(70_000, { seq: 7_001, ack: syn2.seq + 1, flags: PSH | ACK, payloadLength: 30 });
    d.advance(80_000);
    assert.equal(payloads()[0]?.payload.toString(), 'PASS b\r\n');
  });
});
