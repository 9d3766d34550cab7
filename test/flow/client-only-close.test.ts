import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACK, FIN, PSH, run, type Segment, SYN } from './hand-built.ts';

/** A session as a filter on the server's port as destination records it: the client's packets only. */
function clientSide(clientPort: number, startUs: number): Segment[] {
  const request = 'GET / HTTP/1.1\r\nHost: shop\r\n\r\n';
  return [
    { from: 'client', flags: SYN, seq: 1000, tsUs: startUs, clientPort },
    { from: 'client', flags: ACK, seq: 1001, ack: 5001, tsUs: startUs + 100, clientPort },
    {
      from: 'client',
      flags: PSH | ACK,
      seq: 1001,
      ack: 5001,
      payload: request,
      tsUs: startUs + 200,
      clientPort,
    },
    {
      from: 'client',
      flags: FIN | ACK,
      seq: 1001 + request.length,
      ack: 5100,
      tsUs: startUs + 900,
      clientPort,
    },
  ];
}

describe('flow table: a capture of the client side only (record ... dst port 80)', () => {
  it("closes each session at the client's FIN, not at the end of the capture", () => {
    const out = run([...clientSide(40000, 1_000_000), ...clientSide(40001, 61_000_000)]);
    assert.deepEqual(out.events, ['open 0', 'request 0.0', 'close 0', 'open 1', 'request 1.0', 'close 1']);
    assert.equal(out.sessions[0].ending, 'fin');
  });

  it("keeps a session whose capture began after its SYN open past the client's FIN: the answer may come after it", () => {
    // A client that half-closes after its request (nc -q, rsh) and reads the answer to the end.
    const request = 'status\n';
    const answer = 'all good, 42 items\n';
    const [c, s] = [1001, 5001];
    const fin = c + request.length;
    const out = run([
      { from: 'client', flags: PSH | ACK, seq: c, ack: s, payload: request, tsUs: 1_000_000 },
      { from: 'client', flags: FIN | ACK, seq: fin, ack: s, tsUs: 1_000_050 },
      { from: 'server', flags: ACK, seq: s, ack: fin + 1, tsUs: 1_000_100 },
      { from: 'server', flags: PSH | ACK, seq: s, ack: fin + 1, payload: answer, tsUs: 1_005_000 },
      { from: 'server', flags: FIN | ACK, seq: s + answer.length, ack: fin + 1, tsUs: 1_005_010 },
    ]);
    const [session] = out.sessions;
    assert.equal(session.requests[0].responseBytes, answer.length);
    assert.equal(session.requests[0].halfClosed, true);
  });
});
