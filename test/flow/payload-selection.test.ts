import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FlowTable } from '../../src/flow/flow-table.ts';
import { readSessions } from '../../src/flow/pipeline.ts';
import type { CapturedSession } from '../../src/flow/session.ts';
import { projectPath } from '../../src/paths.ts';
import { CORPUS } from '../helpers/captured.ts';
import { ACK, PSH, type Segment, viewOf } from './hand-built.ts';

it('a sink that declines a session gets its requests counted but none of its bytes copied', async () => {
  const closed: CapturedSession[] = [];
  await readSessions(
    projectPath('recordings', 'demo-shop.pcap'),
    { sessionOpened: (s) => s.id % 2 === 0, sessionClosed: (s) => closed.push(s) },
    { keepPayload: true },
  );
  const wanted = closed.filter((s) => s.id % 2 === 0);
  const declined = closed.filter((s) => s.id % 2 === 1);
  assert.ok(wanted.length > 10 && declined.length > 10);
  for (const s of wanted) for (const r of s.requests) assert.equal(r.data.length, r.length);
  for (const s of declined) {
    assert.ok(s.requests.length > 0);
    for (const r of s.requests) {
      assert.ok(r.length > 0, 'lengths are still known');
      assert.equal(r.data.length, 0, 'no bytes were kept');
    }
  }
});

it('a sink is told of a session once its first packet is in: it knows whether that was a SYN', async () => {
  const seen: Array<[number, boolean, string]> = [];
  await readSessions(`${CORPUS}zeek_http_get.pcap`, {
    sessionOpened: (s) => seen.push([s.id, s.handshake.syn, 'opened']),
    sessionClosed: (s) => seen.push([s.id, s.handshake.syn, 'closed']),
  });
  await readSessions(`${CORPUS}zeek_http_get_nosyn.pcap`, {
    sessionOpened: (s) => seen.push([s.id, s.handshake.syn, 'opened']),
  });
  assert.deepEqual(seen, [
    [0, true, 'opened'],
    [0, true, 'closed'],
    [0, false, 'opened'],
  ]);
});

it('a session whose SYN-ACK is filed before its SYN is announced with its SYN', async () => {
  // Session 0 of this file: SYN-ACK at .497516, then the SYN at .497486.
  const opened: Array<[number, boolean]> = [];
  await readSessions(`${CORPUS}zeek_ipv6-http-atomic-frag.pcap`, {
    sessionOpened: (s) => opened.push([s.id, s.handshake.syn]),
  });
  assert.deepEqual(opened, [
    [0, true],
    [1, true],
    [2, true],
    [3, true],
  ]);
});

it('a declined SYN-less session whose first packet carries data keeps none of it', () => {
  const closed: CapturedSession[] = [];
  const table = new FlowTable(
    { sessionOpened: () => false, sessionClosed: (s) => closed.push(s) },
    {
      keepPayload: true,
    },
  );
  const segments: Segment[] = [
    { from: 'client', flags: PSH | ACK, seq: 100, ack: 900, payload: 'GET / HTTP/1.1\r\n\r\n', tsUs: 0 },
    { from: 'server', flags: PSH | ACK, seq: 900, ack: 118, payload: 'HTTP/1.1 200 OK\r\n\r\n', tsUs: 10 },
  ];
  for (const segment of segments) table.push(viewOf(segment));
  table.end();
  assert.equal(closed[0].requests.length, 1);
  assert.equal(closed[0].requests[0].length, 18);
  assert.equal(closed[0].requests[0].data.length, 0);
});
