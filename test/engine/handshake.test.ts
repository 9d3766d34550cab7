import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapturedRequest } from '../../src/flow/session.ts';
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

const GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';

describe('session engine: handshake and a whole session', () => {
  it('SYN, request, response, FIN, final RST with exact seq/ack numbers', () => {
    const d = new Drive({ session: capturedSession([{ data: GET, offsetUs: 10_000, responseBytes: 200 }]) });

    const syn = d.start(0);
    assert.deepEqual(segments(syn).map(wire), [{ seq: CLIENT_ISN, ack: 0, flags: SYN, len: 0 }]);
    assert.deepEqual(segments(syn)[0].options, { mss: 1460 });
    assert.deepEqual(ofKind(syn, 'timer'), [{ kind: 'timer', atUs: 1_000_000 }], 'SYN RTO of 1 s');

    const ack = d.synAck(5_000);
    assert.deepEqual(segments(ack).map(wire), [
      { seq: CLIENT_ISN + 1, ack: TARGET_ISN + 1, flags: ACK, len: 0 },
    ]);
    assert.deepEqual(ofKind(ack, 'timer'), [{ kind: 'timer', atUs: 10_000 }], 'wakes at the captured offset');

    const data = d.advance(10_000);
    assert.deepEqual(segments(data).map(wire), [
      { seq: CLIENT_ISN + 1, ack: TARGET_ISN + 1, flags: PSH | ACK, len: GET.length },
    ]);
    assert.equal(segments(data)[0].payload.toString(), GET);
    assert.deepEqual(ofKind(data, 'request-sent'), [
      { kind: 'request-sent', index: 0, atUs: 10_000, scheduledUs: 10_000, bytes: GET.length },
    ]);

    const end = CLIENT_ISN + 1 + GET.length;
    assert.deepEqual(
      segments(d.feed(12_000, { seq: TARGET_ISN + 1, ack: end })),
      [],
      'a pure ACK needs no answer',
    );
    const answer = d.feed(13_000, { seq: TARGET_ISN + 1, ack: end, flags: PSH | ACK, payloadLength: 200 });
    assert.deepEqual(segments(answer).map(wire), [{ seq: end, ack: TARGET_ISN + 201, flags: ACK, len: 0 }]);
    assert.deepEqual(
      ofKind(answer, 'timer'),
      [{ kind: 'timer', atUs: 23_000 }],
      'quiet for the captured RTT',
    );

    const fin = d.advance(23_000);
    assert.deepEqual(ofKind(fin, 'response'), [
      { kind: 'response', index: 0, firstUs: 13_000, lastUs: 13_000, bytes: 200 },
    ]);
    assert.deepEqual(segments(fin).map(wire), [
      { seq: end, ack: TARGET_ISN + 201, flags: FIN | ACK, len: 0 },
    ]);
    assert.equal(d.engine.state, 'fin-sent');

    const last = d.feed(24_000, { seq: TARGET_ISN + 201, ack: end + 1 });
    assert.deepEqual(segments(last).map(wire), [
      { seq: end + 1, ack: TARGET_ISN + 201, flags: RST | ACK, len: 0 },
    ]);
    assert.deepEqual(ofKind(last, 'done'), [{ kind: 'done', outcome: 'completed' }]);
    assert.equal(d.engine.state, 'done');
    assert.deepEqual(d.engine.stats.ignored, {});
  });

  it('keeps the captured SYN options and window (SACK blocks dropped)', () => {
    const session = capturedSession([{ data: GET }], {
      synOptions: { mss: 1400, windowScale: 7, sackPermitted: true, tsVal: 777, tsEcr: 0 },
      synWindow: 64240,
    });
    const [syn] = segments(new Drive({ session }).start(0));
    assert.equal(syn.window, 64240);
    assert.deepEqual(syn.options, { mss: 1400, windowScale: 7, sackPermitted: true, tsVal: 777, tsEcr: 0 });
  });

  it('-M replaces the announced MSS', () => {
    const d = new Drive({ session: capturedSession([{ data: GET }]), options: { mss: 536 } });
    assert.equal(segments(d.start(0))[0].options.mss, 536);
  });

  it('makes up a handshake for a session without a captured SYN: ISN = first data seq - 1, MSS only', () => {
    const session = capturedSession(
      [{ data: GET }],
      { syn: false, synAck: false, clientIsn: undefined },
      777_001,
    );
    const d = new Drive({ session });
    const [syn] = segments(d.start(0));
    assert.deepEqual(wire(syn), { seq: 777_000, ack: 0, flags: SYN, len: 0 });
    assert.deepEqual(syn.options, { mss: 1460 });
    const [data, ...more] = segments(d.feed(1_000, { seq: TARGET_ISN, ack: 777_001, flags: SYN | ACK }));
    assert.deepEqual(wire(data), { seq: 777_001, ack: TARGET_ISN + 1, flags: PSH | ACK, len: GET.length });
    assert.deepEqual(more, [], 'the request completes the handshake: no separate ACK');
  });

  it('retries the SYN with backoff, then gives up as refused and resets the target side', () => {
    const d = new Drive({ session: capturedSession([{ data: GET }]) });
    d.start(0);
    const rest = d.advance(60_000_000);
    const syns = d.log.filter((a) => a.kind === 'send' && a.segment.flags === SYN);
    assert.equal(syns.length, 4, 'the SYN and 3 retries');
    const times = d.log.flatMap((a) => (a.kind === 'timer' ? [a.atUs] : []));
    assert.deepEqual(times, [1_000_000, 3_000_000, 7_000_000, 15_000_000]);
    assert.deepEqual(segments(rest).at(-1) && wire(segments(rest).at(-1)!), {
      seq: CLIENT_ISN + 1,
      ack: 0,
      flags: RST,
      len: 0,
    });
    const done = ofKind(rest, 'done');
    assert.equal(done.length, 1);
    assert.equal(done[0].outcome, 'refused');
    assert.match(done[0].reason ?? '', /no SYN-ACK after 4 SYNs .*routes the client pool through intercept/);
  });

  it('an RST to the SYN is a refusal; nothing more is sent', () => {
    const d = new Drive({ session: capturedSession([{ data: GET }]) });
    d.start(0);
    const actions = d.feed(500, { seq: 0, ack: CLIENT_ISN + 1, flags: RST | ACK, window: 0 });
    assert.deepEqual(segments(actions), []);
    assert.equal(ofKind(actions, 'done')[0].outcome, 'refused');
  });

  it('an RST that does not answer our SYN is ignored', () => {
    const d = new Drive({ session: capturedSession([{ data: GET }]) });
    d.start(0);
    d.feed(500, { seq: 0, ack: CLIENT_ISN + 99, flags: RST | ACK });
    assert.equal(d.engine.state, 'syn-sent');
    assert.deepEqual(d.engine.stats.ignored, { 'bad-syn-ack': 1 });
  });

  it('a challenge ACK instead of a SYN-ACK (a stale connection on the tuple) gets an RST at its ack', () => {
    const d = new Drive({ session: capturedSession([{ data: GET, responseBytes: 10 }]) });
    d.start(0);
    const stale = 777_000;
    const answer = d.feed(500, { seq: 123_456, ack: stale, flags: ACK });
    assert.deepEqual(segments(answer).map(wire), [{ seq: stale, ack: 0, flags: RST, len: 0 }]);
    assert.equal(d.engine.state, 'syn-sent', 'the SYN is retried as usual');
    assert.deepEqual(d.engine.stats.ignored, { 'before-syn-ack': 1 });
    assert.deepEqual(segments(d.advance(1_000_000)).map(wire), [
      { seq: CLIENT_ISN, ack: 0, flags: SYN, len: 0 },
    ]);
  });

  it('stop() resets the target side and ends as stopped', () => {
    const d = new Drive({ session: capturedSession([{ data: GET, offsetUs: 1_000_000 }]) });
    d.start(0);
    d.synAck(1_000);
    const actions = d.stop(2_000);
    assert.deepEqual(segments(actions).map(wire), [
      { seq: CLIENT_ISN + 1, ack: TARGET_ISN + 1, flags: RST | ACK, len: 0 },
    ]);
    assert.deepEqual(ofKind(actions, 'done'), [{ kind: 'done', outcome: 'stopped' }]);
    assert.deepEqual(d.stop(3_000), [], 'a second stop does nothing');
  });

  it('requests may arrive after the start; the FIN waits for inputEnded', () => {
    const session = capturedSession([]);
    const d = new Drive({ session, inputEnded: false });
    d.start(0);
    d.synAck(1_000);
    assert.equal(segments(d.advance(500_000)).length, 0, 'nothing to send, no FIN');
    session.requests.push({ ...capturedSession([{ data: GET }]).requests[0] });
    const sent = d.requestAvailable(600_000);
    assert.equal(segments(sent)[0].payload.toString(), GET);
    d.feed(601_000, {
      seq: TARGET_ISN + 1,
      ack: CLIENT_ISN + 1 + GET.length,
      flags: PSH | ACK,
      payloadLength: 50,
    });
    assert.equal(ofKind(d.advance(700_000), 'done').length, 0);
    d.inputEnded(700_000);
    const fin = segments(d.log.slice(-3));
    assert.equal(fin.at(-1)?.flags, FIN | ACK);
  });

  it("a driver's own request list replaces the session's: only released requests go", () => {
    const session = capturedSession([{ data: GET }, { data: 'SECOND' }]);
    const released: CapturedRequest[] = [];
    const d = new Drive({ session, requests: released, inputEnded: false });
    d.start(0);
    d.synAck(1_000);
    assert.equal(segments(d.advance(500_000)).length, 0, 'the session has requests, but none is released');
    released.push(session.requests[0]);
    assert.deepEqual(
      segments(d.requestAvailable(600_000)).map((seg) => seg.payload.toString()),
      [GET],
    );
  });
});
