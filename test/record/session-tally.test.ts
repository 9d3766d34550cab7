import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newPacketView, TcpFlag } from '../../src/packet/view.ts';
import { SessionTally } from '../../src/record/session-tally.ts';

function segment(from: 'client' | 'server', clientPort: number, flags: number) {
  const view = newPacketView();
  const client = { ip: 0x0a000002, port: clientPort };
  const server = { ip: 0x0a000001, port: 8080 };
  const [src, dst] = from === 'client' ? [client, server] : [server, client];
  Object.assign(view, {
    ipVersion: 4,
    src4: src.ip,
    dst4: dst.ip,
    srcPort: src.port,
    dstPort: dst.port,
    flags,
  });
  return view;
}

describe('SessionTally', () => {
  it('counts a session as new on its SYN and active until FINs from both sides', () => {
    const tally = new SessionTally();
    tally.observe(segment('client', 40000, TcpFlag.SYN));
    tally.observe(segment('server', 40000, TcpFlag.SYN | TcpFlag.ACK));
    tally.observe(segment('client', 40000, TcpFlag.SYN)); // retransmitted SYN
    tally.observe(segment('client', 40000, TcpFlag.ACK | TcpFlag.PSH));
    assert.deepEqual([tally.sessionsNew, tally.sessionsActive], [1, 1]);
    tally.observe(segment('client', 40000, TcpFlag.FIN | TcpFlag.ACK));
    tally.observe(segment('client', 40000, TcpFlag.FIN | TcpFlag.ACK)); // retransmitted FIN
    assert.equal(tally.sessionsActive, 1);
    tally.observe(segment('server', 40000, TcpFlag.FIN | TcpFlag.ACK));
    assert.deepEqual([tally.sessionsNew, tally.sessionsActive], [1, 0]);
  });

  it('closes a session on a RST from either side and ranks server ports by sessions', () => {
    const tally = new SessionTally();
    for (const port of [40001, 40002, 40003]) tally.observe(segment('client', port, TcpFlag.SYN));
    tally.observe(segment('server', 40002, TcpFlag.RST));
    assert.deepEqual([tally.sessionsNew, tally.sessionsActive], [3, 2]);
    assert.deepEqual(tally.busiestServerPorts(5), [{ port: 8080, sessions: 3 }]);
  });
});

describe('SessionTally over a long recording', () => {
  it('ends sessions at the client FIN when the filter shows only the client side (record ... dst port 8080)', () => {
    const tally = new SessionTally();
    for (let port = 40000; port < 41000; port++) {
      tally.observe(segment('client', port, TcpFlag.SYN));
      tally.observe(segment('client', port, TcpFlag.ACK | TcpFlag.PSH));
      tally.observe(segment('client', port, TcpFlag.FIN | TcpFlag.ACK));
    }
    assert.deepEqual([tally.sessionsNew, tally.sessionsActive], [1000, 0]);
  });

  it('keeps a session open after the client FIN while the server, whose SYN-ACK was seen, has not sent its own', () => {
    const tally = new SessionTally();
    tally.observe(segment('client', 40000, TcpFlag.SYN));
    tally.observe(segment('server', 40000, TcpFlag.SYN | TcpFlag.ACK));
    tally.observe(segment('client', 40000, TcpFlag.FIN | TcpFlag.ACK));
    assert.equal(tally.sessionsActive, 1);
    tally.observe(segment('server', 40000, TcpFlag.FIN | TcpFlag.ACK));
    assert.equal(tally.sessionsActive, 0);
  });

  it('forgets the oldest open sessions beyond its bound, so that lost FINs cannot grow memory all run long', () => {
    const tally = new SessionTally(4);
    for (let port = 40000; port < 40010; port++) {
      tally.observe(segment('client', port, TcpFlag.SYN));
      tally.observe(segment('server', port, TcpFlag.SYN | TcpFlag.ACK));
    }
    assert.deepEqual([tally.sessionsNew, tally.sessionsActive], [10, 4]);
    tally.observe(segment('server', 40009, TcpFlag.RST));
    assert.equal(tally.sessionsActive, 3);
  });
});
