/**
 * HTTP/1.1 pipelining as load generators do it (`wrk -s pipeline.lua`): several requests in one
 * write, then their responses in order. The capture counts the write as one request (a run of
 * client payload between server responses); its response is all of the pipelined responses, and
 * the next request waits until the last of them came. And `--no-wait`, which makes any keep-alive
 * session a pipelining one: the session stays open until every response owed has come.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeIpv4Tcp } from '../../src/packet/encode.ts';
import { TcpFlag } from '../../src/packet/view.ts';
import { replay } from '../../src/replay/replay.ts';
import type { SyntheticPacket } from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';
import { headQueueServer } from '../helpers/head-queue-server.ts';
import type { ListeningServer } from '../helpers/listen.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { syntheticCapture, tempDir } from '../helpers/synthetic.ts';

const PIPELINED = 3;
const ROUNDS = 3;
const BODY = 'b'.repeat(2000);
const RESPONSE = `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
const ROUND_RESPONSE_BYTES = PIPELINED * RESPONSE.length;
/** Between the pipelined responses the test server writes: far over the replay's quiet wait. */
const RESPONSE_SPACING_MS = 15;
const ETHERNET_HEADER = Buffer.from('0200000000020200000000010800', 'hex');
const CLIENT = 0x0a010001;
const SERVER = 0x0a020001;
const CLIENT_PORT = 40000;
const SERVER_PORT = 80;

function pipelinedWrite(): Buffer {
  let text = '';
  for (let i = 0; i < PIPELINED; i++) text += `GET /item/${i} HTTP/1.1\r\nHost: shop.example\r\n\r\n`;
  return Buffer.from(text, 'latin1');
}

/**
 * One keep-alive session as a pipelining client makes it: every round, one segment of PIPELINED
 * requests, answered 1 ms later by as many responses in one segment, 100 ms apart.
 */
function pipelinedSession(): SyntheticPacket[] {
  const packets: SyntheticPacket[] = [];
  const seq = { client: 1000, server: 50000 };
  let tUs = 1_700_000_000_000_000;
  const send = (fromClient: boolean, flags: number, payload?: Buffer) => {
    const ip = encodeIpv4Tcp({
      src: fromClient ? CLIENT : SERVER,
      dst: fromClient ? SERVER : CLIENT,
      srcPort: fromClient ? CLIENT_PORT : SERVER_PORT,
      dstPort: fromClient ? SERVER_PORT : CLIENT_PORT,
      seq: fromClient ? seq.client : seq.server,
      ack: flags & TcpFlag.ACK ? (fromClient ? seq.server : seq.client) : 0,
      flags,
      window: 64240,
      ...(flags & TcpFlag.SYN ? { options: { mss: 65495 } } : {}),
      ...(payload ? { payload } : {}),
    });
    const advance = (payload?.length ?? 0) + (flags & (TcpFlag.SYN | TcpFlag.FIN) ? 1 : 0);
    if (fromClient) seq.client += advance;
    else seq.server += advance;
    packets.push({ tsUs: tUs, frame: Buffer.concat([ETHERNET_HEADER, ip]) });
    tUs += 100;
  };
  send(true, TcpFlag.SYN);
  send(false, TcpFlag.SYN | TcpFlag.ACK);
  send(true, TcpFlag.ACK);
  for (let round = 0; round < ROUNDS; round++) {
    tUs += 100_000;
    send(true, TcpFlag.ACK | TcpFlag.PSH, pipelinedWrite());
    tUs += 1_000;
    send(false, TcpFlag.ACK | TcpFlag.PSH, Buffer.from(RESPONSE.repeat(PIPELINED), 'latin1'));
    send(true, TcpFlag.ACK);
  }
  send(true, TcpFlag.FIN | TcpFlag.ACK);
  send(false, TcpFlag.FIN | TcpFlag.ACK);
  send(true, TcpFlag.ACK);
  return packets;
}

/** Answers every request head in order, each response in its own write, RESPONSE_SPACING_MS apart. */
function startSpacedServer(): Promise<ListeningServer> {
  return headQueueServer(async (socket) => {
    await sleep(RESPONSE_SPACING_MS);
    if (!socket.destroyed) socket.write(RESPONSE);
  });
}

describe('socket replay of pipelined HTTP requests', () => {
  const dir = tempDir();
  let capture: string;
  before(async () => {
    capture = join(dir.path, 'pipelined.pcap');
    await writeSyntheticCapture(capture, pipelinedSession());
  });
  after(() => dir.cleanup());

  for (const [label, speed] of [
    ['1', 1],
    ['max', Number.POSITIVE_INFINITY],
  ] as const) {
    it(`speed ${label}: each pipelined write's response is all ${PIPELINED} responses, none lost from the totals`, async () => {
      const server = await startSpacedServer();
      try {
        const { report } = await replay(
          replayConfig([capture], server.port, SERVER_PORT, { speed }),
          capturedOutput(),
        );
        assert.equal(report.totals.sessions.completed, 1);
        assert.equal(report.totals.requests.answered, ROUNDS);
        assert.equal(report.totals.bytes.received, ROUNDS * ROUND_RESPONSE_BYTES);
        const requests = report.sessions[0]?.requests ?? [];
        assert.deepEqual(
          requests.map((r) => r.responseBytes),
          Array(ROUNDS).fill(ROUND_RESPONSE_BYTES),
          'response bytes per pipelined write',
        );
        for (const r of requests) {
          assert.equal(r.http?.status, 200);
          assert.ok(
            (r.lastByteMs ?? 0) >= PIPELINED * RESPONSE_SPACING_MS - 1,
            `request ${r.index}: last byte ${r.lastByteMs} ms is the last pipelined response's`,
          );
        }
      } finally {
        await server.close();
      }
    });
  }

  it('--no-wait --speed max on a keep-alive session: every byte the target sent is counted', async () => {
    const keepAlive = await syntheticCapture(join(dir.path, 'keep-alive.pcap'), {
      sessions: 1,
      requestsPerSession: 20,
    });
    const server = await startSpacedServer();
    try {
      const { report } = await replay(
        replayConfig([keepAlive], server.port, SERVER_PORT, { noWait: true }),
        capturedOutput(),
      );
      assert.equal(report.totals.requests.sent, 20);
      assert.equal(report.totals.bytes.received, 20 * RESPONSE.length, 'bytes received');
      assert.equal(report.sessions[0]?.outcome, 'completed');
    } finally {
      await server.close();
    }
  });
});
