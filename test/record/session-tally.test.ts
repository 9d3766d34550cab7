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
