// A client that pauses mid-request with nothing from the server (telemetry readings, a message
// stream, a body sent after a wait): the request keeps where and when each later part began.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PART_PAUSE_US } from '../../src/flow/session.ts';
import { partBytes, partCount } from '../../src/replay/request-parts.ts';
import { ACK, FIN, PSH, run, type Segment, SYN, text } from './hand-built.ts';

const handshake: Segment[] = [
  { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
  { from: 'server', flags: SYN | ACK, seq: 0, ack: 1, tsUs: 100 },
];

describe('flow table: requests sent in parts', () => {
  it('starts a part where the client paused PART_PAUSE_US or longer', () => {
    const out = run([
      ...handshake,
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 1, payload: 'r1;', tsUs: 1_000 },
      { from: 'client', flags: PSH | ACK, seq: 4, ack: 1, payload: 'r2;', tsUs: 501_000 },
      { from: 'client', flags: PSH | ACK, seq: 7, ack: 1, payload: 'r3;', tsUs: 1_001_000 },
      { from: 'server', flags: PSH | ACK, seq: 1, ack: 10, payload: 'ok', tsUs: 1_002_000 },
    ]);
    const [request] = out.requests;
    assert.equal(text(request), 'r1;r2;r3;', 'still one request: nothing came back between the parts');
    assert.deepEqual(request.parts, [
      [3, 500_000],
      [6, 1_000_000],
    ]);
    assert.equal(partCount(request), 3);
    assert.deepEqual(
      [0, 1, 2].map((p) => partBytes(request, p).toString()),
      ['r1;', 'r2;', 'r3;'],
    );
  });

  it('keeps shorter pauses (one write in segments, Nagle) inside a part', () => {
    const just = PART_PAUSE_US / 2 - 1;
    const out = run([
      ...handshake,
      { from: 'client', flags: ACK, seq: 1, ack: 1, payload: 'head', tsUs: 1_000 },
      { from: 'client', flags: PSH | ACK, seq: 5, ack: 1, payload: 'body', tsUs: 1_000 + just },
      { from: 'client', flags: PSH | ACK, seq: 9, ack: 1, payload: 'more', tsUs: 1_000 + 2 * just },
    ]);
    assert.deepEqual(out.requests[0].parts, []);
  });

  it('starts a part once one has lasted PART_SPAN_US, though the client never paused that long', () => {
    // Readings every 40 ms for 400 ms: sent at once, they would be one burst.
    const readings: Segment[] = [];
    for (let i = 0; i < 10; i++) {
      const payload = `r${i};`;
      readings.push({
        from: 'client',
        flags: PSH | ACK,
        seq: 1 + 3 * i,
        ack: 1,
        payload,
        tsUs: 1_000 + 40_000 * i,
      });
    }
    const out = run([...handshake, ...readings]);
    const [request] = out.requests;
    assert.equal(text(request), 'r0;r1;r2;r3;r4;r5;r6;r7;r8;r9;');
    assert.deepEqual(request.parts, [
      [9, 120_000],
      [18, 240_000],
      [27, 360_000],
    ]);
    assert.deepEqual(
      [0, 1, 2, 3].map((p) => partBytes(request, p).toString()),
      ['r0;r1;r2;', 'r3;r4;r5;', 'r6;r7;r8;', 'r9;'],
    );
    const inspected = run([...handshake, ...readings], { keepPayload: false });
    assert.deepEqual(inspected.requests[0].parts, [[9, 120_000]], 'without payload, only the first is kept');
  });

  it('counts a pause from the latest segment, so that a late retransmission makes none', () => {
    const out = run([
      ...handshake,
      { from: 'client', flags: ACK, seq: 4, ack: 1, payload: 'def', tsUs: 1_000 },
      // The hole before it is filled 300 ms later; the bytes after it were there already.
      { from: 'client', flags: ACK, seq: 1, ack: 1, payload: 'abc', tsUs: 301_000 },
      { from: 'client', flags: PSH | ACK, seq: 7, ack: 1, payload: 'ghi', tsUs: 301_500 },
    ]);
    const [request] = out.requests;
    assert.equal(text(request), 'abcdefghi');
    assert.deepEqual(request.parts, [], 'the filled hole is not a pause of the client');
  });

  it('makes no part of a retransmission that fills a hole mid-request late', () => {
    const out = run([
      ...handshake,
      { from: 'client', flags: ACK, seq: 1, ack: 1, payload: 'abc', tsUs: 1_000 },
      // 'def' lost; 'ghi' comes right after it, 'def' again an RTO (210 ms) later.
      { from: 'client', flags: PSH | ACK, seq: 7, ack: 1, payload: 'ghi', tsUs: 1_010 },
      { from: 'client', flags: ACK, seq: 4, ack: 1, payload: 'def', tsUs: 211_000 },
      { from: 'server', flags: PSH | ACK, seq: 1, ack: 10, payload: 'ok', tsUs: 212_000 },
    ]);
    const [request] = out.requests;
    assert.equal(text(request), 'abcdefghi');
    assert.deepEqual(request.parts, [], 'the client sent it all at once');
  });

  it('keeps a real pause before a part whose first segment was retransmitted, from when the client sent it', () => {
    const out = run([
      ...handshake,
      { from: 'client', flags: ACK, seq: 1, ack: 1, payload: 'abc', tsUs: 1_000 },
      // The client pauses 500 ms; 'def' is lost, 'ghi' follows, 'def' comes again 210 ms later.
      { from: 'client', flags: PSH | ACK, seq: 7, ack: 1, payload: 'ghi', tsUs: 502_000 },
      { from: 'client', flags: ACK, seq: 4, ack: 1, payload: 'def', tsUs: 711_000 },
      { from: 'server', flags: PSH | ACK, seq: 1, ack: 10, payload: 'ok', tsUs: 712_000 },
    ]);
    assert.deepEqual(out.requests[0].parts, [[3, 501_000]]);
  });

  it('records parts by data offset past a gap the capture missed', () => {
    const out = run([
      ...handshake,
      { from: 'client', flags: ACK, seq: 1, ack: 1, payload: 'abc', tsUs: 1_000 },
      // Bytes 4..6 never captured; the server acknowledges past them later.
      { from: 'client', flags: ACK, seq: 7, ack: 1, payload: 'ghi', tsUs: 2_000 },
      { from: 'client', flags: PSH | ACK, seq: 10, ack: 1, payload: 'jkl', tsUs: 900_000 },
      { from: 'server', flags: PSH | ACK, seq: 1, ack: 13, payload: 'ok', tsUs: 901_000 },
    ]);
    const [request] = out.requests;
    assert.equal(text(request), 'abcghijkl');
    assert.deepEqual(request.parts, [[6, 899_000]]);
    assert.equal(partBytes(request, 1).toString(), 'jkl');
  });

  it('keeps when a half-closing client sent its FIN, after its request: the replay closes then', () => {
    const line = {
      from: 'client',
      flags: PSH | ACK,
      seq: 1,
      ack: 1,
      payload: 'cpu 0.5\n',
      tsUs: 1_000,
    } as const;
    const idle = run([
      ...handshake,
      line,
      { from: 'client', flags: FIN | ACK, seq: 9, ack: 1, tsUs: 2_501_000 },
    ]);
    const [request] = idle.requests;
    assert.equal(request.halfClosed, true);
    assert.equal(request.halfClosedAfterUs, 2_500_000);
    assert.deepEqual(request.parts, [], 'the close is no part: it carries no byte');
  });
});
