import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowTable } from '../../src/flow/flow-table.ts';
import { HOLD_PACKETS, HOLD_US } from '../../src/flow/held-answer.ts';
import { ACK, FIN, PSH, recordingSink, run, type Segment, SYN, text, viewOf } from './hand-built.ts';

/** Handshake of client ISN 0 and server ISN 500; the request takes client bytes 1..12. */
const HANDSHAKE: Segment[] = [
  { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
  { from: 'server', flags: SYN | ACK, seq: 500, ack: 1, tsUs: 100 },
  { from: 'client', flags: ACK, seq: 1, ack: 501, tsUs: 200 },
];
const REQUEST = 'GET / HTTP/1.0\r\n\r\n';
const REQUEST_END = 1 + REQUEST.length;
const ANSWER = 'HTTP/1.0 200 OK\r\n\r\n';

describe('flow table: an answer filed before the request it acknowledges', () => {
  it('takes the request first, as it went on the wire (records out of time order)', () => {
    const out = run([
      ...HANDSHAKE,
      { from: 'server', flags: PSH | ACK, seq: 501, ack: REQUEST_END, payload: ANSWER, tsUs: 20_000 },
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 501, payload: REQUEST, tsUs: 19_756 },
      { from: 'client', flags: FIN | ACK, seq: REQUEST_END, ack: 501 + ANSWER.length, tsUs: 21_000 },
      { from: 'server', flags: FIN | ACK, seq: 501 + ANSWER.length, ack: REQUEST_END + 1, tsUs: 21_100 },
    ]);
    assert.deepEqual(out.events, ['open 0', 'request 0.0', 'close 0']);
    const [request] = out.requests;
    assert.equal(text(request), REQUEST);
    assert.deepEqual(request.gaps, []);
    assert.equal(request.responseBytes, ANSWER.length, 'the answer counts toward its request');
    assert.equal(request.responseFirstUs, 244);
    const [session] = out.sessions;
    assert.deepEqual([session.gaps, session.retransmissions, session.ending], [0, 0, 'fin']);
    assert.equal(session.packets, 7);
  });

  it('keeps the next request apart when the acknowledged bytes never come', () => {
    const out = run([
      ...HANDSHAKE,
      { from: 'server', flags: PSH | ACK, seq: 501, ack: REQUEST_END, payload: ANSWER, tsUs: 20_000 },
      { from: 'client', flags: PSH | ACK, seq: REQUEST_END, ack: 520, payload: 'next', tsUs: 30_000 },
      { from: 'server', flags: PSH | ACK, seq: 520, ack: REQUEST_END + 4, payload: 'ok', tsUs: 31_000 },
    ]);
    assert.equal(out.requests.length, 2);
    assert.deepEqual(out.requests[0].gaps, [[0, REQUEST.length]], 'the lost request is a gap');
    assert.equal(out.requests[0].responseBytes, ANSWER.length);
    assert.equal(text(out.requests[1]), 'next');
    assert.equal(out.requests[1].responseBytes, 2);
    assert.equal(out.sessions[0].gaps, 1);
  });

  it(`lets go of the answer once the capture is ${HOLD_US / 1000} ms further on`, () => {
    const sink = recordingSink();
    const table = new FlowTable(sink, { keepPayload: true });
    for (const segment of HANDSHAKE) table.push(viewOf(segment));
    table.push(
      viewOf({ from: 'server', flags: PSH | ACK, seq: 501, ack: REQUEST_END, payload: ANSWER, tsUs: 1000 }),
    );
    const other = (tsUs: number): Segment => ({
      from: 'client',
      flags: SYN,
      seq: tsUs,
      tsUs,
      clientPort: 50_000,
    });
    table.push(viewOf(other(1000 + HOLD_US - 1)));
    assert.equal(sink.requests.length, 0, 'held while the request may still be filed');
    table.push(viewOf(other(1000 + HOLD_US)));
    assert.equal(sink.requests.length, 1, 'given up: the request is a gap, answered');
    assert.deepEqual(sink.requests[0].gaps, [[0, REQUEST.length]]);
  });

  it(`lets go of the answer after ${HOLD_PACKETS} records when the clock stepped back`, () => {
    const sink = recordingSink();
    const table = new FlowTable(sink, { keepPayload: true });
    for (const segment of HANDSHAKE) table.push(viewOf(segment));
    table.push(
      viewOf({ from: 'server', flags: PSH | ACK, seq: 501, ack: REQUEST_END, payload: ANSWER, tsUs: 1000 }),
    );
    const stale = viewOf({ from: 'client', flags: ACK, seq: 7, tsUs: 0, clientPort: 50_000 });
    for (let i = 0; i < HOLD_PACKETS - 1; i++) table.push(stale);
    assert.equal(sink.requests.length, 0);
    table.push(stale);
    assert.equal(sink.requests.length, 1);
  });

  it('holds the packets after the answer too, so that they keep their order', () => {
    const out = run([
      ...HANDSHAKE,
      { from: 'server', flags: PSH | ACK, seq: 501, ack: REQUEST_END, payload: ANSWER, tsUs: 20_000 },
      { from: 'server', flags: FIN | ACK, seq: 501 + ANSWER.length, ack: REQUEST_END, tsUs: 20_001 },
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 501, payload: REQUEST, tsUs: 19_756 },
      { from: 'client', flags: FIN | ACK, seq: REQUEST_END, ack: 502 + ANSWER.length, tsUs: 21_000 },
    ]);
    assert.deepEqual(out.events, ['open 0', 'request 0.0', 'close 0']);
    assert.equal(out.sessions[0].endedBy, 'server');
    assert.equal(out.requests[0].halfClosed, undefined, 'answered before the client closed');
  });
});

describe('flow table: held answers, the client FIN and one-sided captures', () => {
  it('takes a client FIN filed after the answer that acknowledges it: no gap, the request half-closed', () => {
    const out = run([
      ...HANDSHAKE,
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 501, payload: REQUEST, tsUs: 10_000 },
      { from: 'server', flags: PSH | ACK, seq: 501, ack: REQUEST_END + 1, payload: ANSWER, tsUs: 20_000 },
      { from: 'client', flags: FIN | ACK, seq: REQUEST_END, ack: 501, tsUs: 10_100 },
      { from: 'server', flags: FIN | ACK, seq: 501 + ANSWER.length, ack: REQUEST_END + 1, tsUs: 20_100 },
    ]);
    assert.deepEqual(out.events, ['open 0', 'request 0.0', 'close 0']);
    assert.deepEqual(out.requests[0].gaps, []);
    assert.equal(out.requests[0].halfClosed, true);
    assert.equal(out.requests[0].responseBytes, ANSWER.length);
    assert.deepEqual([out.sessions[0].gaps, out.sessions[0].packets], [0, 7]);
  });

  it('stops holding once most answers wait in vain (a capture of the servers side only)', () => {
    const segments: Segment[] = [];
    const serverOnly = 80;
    for (let i = 0; i < serverOnly; i++) {
      const clientPort = 30_000 + i;
      const at = i * 200_000;
      segments.push(
        { from: 'server', flags: SYN | ACK, seq: 500, ack: 1, tsUs: at, clientPort },
        {
          from: 'server',
          flags: PSH | ACK,
          seq: 501,
          ack: REQUEST_END,
          payload: ANSWER,
          tsUs: at + 1,
          clientPort,
        },
      );
    }
    // A two-sided session after them, its request filed after the answer: no longer waited for.
    const at = serverOnly * 200_000;
    segments.push(
      { from: 'client', flags: SYN, seq: 0, tsUs: at },
      { from: 'server', flags: SYN | ACK, seq: 500, ack: 1, tsUs: at + 1 },
      { from: 'server', flags: PSH | ACK, seq: 501, ack: REQUEST_END, payload: ANSWER, tsUs: at + 3 },
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 501, payload: REQUEST, tsUs: at + 2 },
    );
    const out = run(segments);
    const last = out.sessions.find((s) => s.client.port === 40_000);
    assert.equal(out.sessions.filter((s) => s.gaps === 1).length, serverOnly + 1);
    assert.equal(last?.gaps, 1, 'the misfiled request is a gap, as before holds existed');
  });
});

describe('flow table: held answers fall due in time order', () => {
  it('lets go of an answer on time behind one stamped far ahead (a clock glitch)', () => {
    const sink = recordingSink();
    const table = new FlowTable(sink, { keepPayload: true });
    const handshake = (clientPort: number, at: number): Segment[] => [
      { from: 'client', flags: SYN, seq: 0, tsUs: at, clientPort },
      { from: 'server', flags: SYN | ACK, seq: 500, ack: 1, tsUs: at + 1, clientPort },
      { from: 'client', flags: ACK, seq: 1, ack: 501, tsUs: at + 2, clientPort },
    ];
    const answer = (clientPort: number, tsUs: number): Segment => ({
      from: 'server',
      flags: PSH | ACK,
      seq: 501,
      ack: REQUEST_END,
      payload: ANSWER,
      tsUs,
      clientPort,
    });
    for (const segment of [
      ...handshake(1000, 0),
      ...handshake(2000, 3),
      answer(1000, 900_000), // stamped 0.9 s ahead; its request is filed next
      {
        from: 'client',
        flags: PSH | ACK,
        seq: 1,
        ack: 501,
        payload: REQUEST,
        tsUs: 10_000,
        clientPort: 1000,
      },
      answer(2000, 11_000), // its request is not in the capture
    ] satisfies Segment[]) {
      table.push(viewOf(segment));
    }
    const other = (tsUs: number) => viewOf({ from: 'client', flags: SYN, seq: 9, tsUs, clientPort: 3000 });
    table.push(other(11_000 + HOLD_US - 1));
    assert.deepEqual(sink.events, ['open 0', 'open 1', 'request 0.0', 'open 2']);
    table.push(other(11_000 + HOLD_US));
    assert.deepEqual(sink.events.slice(4), ['request 1.0'], "session 1's answer let go on time");
  });
});
