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
});
