/**
 * Requests whose captured answer came more than the replay's read-ahead (2 s) after them, right
 * after an earlier exchange: a request sent in parts over seconds (a rate-limited upload after its
 * `100 Continue`, a batch of readings), and a slow answer (a long poll, a slow query) while other
 * clients kept the capture busy. Recorded with `reprise record -i lo`, replayed over the socket
 * transport at the captured pace: the target's answer must count as the request's, as in the
 * capture, and the next request must wait for it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { replay } from '../../src/replay/replay.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { type ListeningServer, listenForTest } from '../helpers/listen.ts';
import { recordLoopback } from '../helpers/record-loopback.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const skip = process.getuid?.() === 0 ? false : 'recording on lo needs root (libpcap)';
if (skip) console.log(`# skipped: answers later than the read-ahead: ${skip}`);

const BATCH_ANSWER = 'GOT 3 LINES\n';
const SLOW_ANSWER = 'PONG\n';
const SLOW_MS = 3000;

/** A line server: `HELLO` is answered `HI` at once, a batch of lines only at its `END` line, `PING` after SLOW_MS. */
function lineServer(): net.Server {
  return net.createServer((socket) => {
    let text = '';
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (!text.endsWith('\n')) return;
      if (text === 'HELLO\n') socket.write('HI\n');
      else if (text.endsWith('END\n')) socket.write(BATCH_ANSWER);
      else if (text === 'PING\n') setTimeout(() => socket.writable && socket.write(SLOW_ANSWER), SLOW_MS);
      text = '';
    });
  });
}

async function connect(port: number): Promise<net.Socket> {
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  return client;
}

async function ask(client: net.Socket, line: string): Promise<string> {
  client.write(line);
  const [answer] = (await once(client, 'data')) as [Buffer];
  return answer.toString();
}

async function close(client: net.Socket): Promise<void> {
  client.end();
  await once(client, 'close');
}

describe('socket replay of answers later than the read-ahead', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let server: ListeningServer;
  before(async () => {
    dir = tempDir('rp-unseen-more-');
    server = await listenForTest(lineServer());
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  it('credits the answer to a request sent in parts over seconds', async () => {
    const file = join(dir.path, 'batch.pcap');
    await recordLoopback(file, server.port, async () => {
      const client = await connect(server.port);
      // A second greeting later than the read-ahead: the replay reads the batch only after it.
      for (const pause of [0, 2500]) {
        await sleep(pause);
        assert.equal(await ask(client, 'HELLO\n'), 'HI\n');
      }
      for (const line of ['line 1\n', 'line 2\n', 'line 3\n']) {
        client.write(line);
        await sleep(1100);
      }
      assert.equal(await ask(client, 'END\n'), BATCH_ANSWER);
      await close(client);
    });
    const [captured] = await capturedSessions(file);
    assert.equal(captured?.requests.length, 3, 'HELLO twice, then the lines and END as one request');
    assert.equal(captured?.requests[2]?.parts.length, 3, 'sent in 4 parts');
    assert.equal(captured?.requests[2]?.responseBytes, BATCH_ANSWER.length);

    const { report } = await replay(
      replayConfig([file], server.port, server.port, { speed: 1 }),
      capturedOutput(),
    );
    const [session] = report.sessions;
    assert.equal(session?.outcome, 'completed', session?.reason);
    assert.equal(session?.requests[2]?.responseBytes, BATCH_ANSWER.length, 'the answer is the request’s');
    assert.equal(report.totals.requests.answered, 3);
    assert.equal(report.totals.requests.unansweredAsCaptured, 0);
    assert.equal(report.totals.requests.lost, 0);
  });

  it('waits for a slow answer while other clients keep the capture busy, and credits it', async () => {
    const file = join(dir.path, 'slow-answer.pcap');
    await recordLoopback(file, server.port, async () => {
      const busy = (async () => {
        const other = await connect(server.port);
        for (let i = 0; i < 9; i++) {
          assert.equal(await ask(other, 'HELLO\n'), 'HI\n');
          await sleep(500);
        }
        await close(other);
      })();
      await sleep(100);
      const client = await connect(server.port);
      assert.equal(await ask(client, 'HELLO\n'), 'HI\n');
      assert.equal(await ask(client, 'PING\n'), SLOW_ANSWER);
      client.write('BYE\n');
      await close(client);
      await busy;
    });
    const slow = (await capturedSessions(file)).find((s) => s.requests.length === 3);
    assert.equal(slow?.requests[1]?.responseBytes, SLOW_ANSWER.length, 'the capture holds the slow answer');

    const { report } = await replay(
      replayConfig([file], server.port, server.port, { speed: 2 }),
      capturedOutput(),
    );
    const replayed = report.sessions.find((s) => s.requestsPlanned === 3);
    assert.equal(replayed?.outcome, 'completed', replayed?.reason);
    const ping = replayed?.requests[1];
    assert.equal(ping?.responseBytes, SLOW_ANSWER.length, 'the answer is the request’s');
    assert.ok((ping?.firstByteMs ?? 0) >= SLOW_MS - 50, `latency ${ping?.firstByteMs} ms is the target's`);
    assert.ok(
      (replayed?.requests[2]?.sentMs ?? 0) >= (ping?.sentMs ?? 0) + SLOW_MS - 50,
      'BYE waited for the answer',
    );
    assert.equal(report.totals.requests.lost, 0);
    assert.equal(report.totals.requests.unansweredAsCaptured, 1, 'BYE only');
  });
});
