/**
 * Socket replay of a server that pauses over a second in the middle of a response (a report query
 * that streams its rows after a header, `git daemon` packing a large repository), recorded with
 * `reprise record -i lo`. The response is the session's last; the replay waits for a response
 * shorter than the captured one at most 1 s, then called it over and closed the connection: the
 * session ended completed, 0 lost, with 17 B received of 200,017, and no word of it. A candidate
 * that pauses longer than the recorded server even shows a lower last-byte latency than one that
 * answers in time.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { type ListeningServer, listenForTest } from '../helpers/listen.ts';
import { recordLoopback } from '../helpers/record-loopback.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const skip = process.getuid?.() !== 0 ? 'recording on lo needs root (libpcap)' : false;
if (skip) console.log(`# skipped: a response with a long pause in it: ${skip}`);

const PAUSE_MS = 1500;
const HEAD = 'counting objects\n';
const BODY_BYTES = 200_000;
const ANSWER_BYTES = HEAD.length + BODY_BYTES;

/** Answers `fetch` with a head line, then, after the pause, the body. */
function pausingServer(): net.Server {
  return net.createServer((socket) => {
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      if (!d.toString().includes('fetch\n')) return;
      socket.write(HEAD);
      setTimeout(() => socket.write(Buffer.alloc(BODY_BYTES, 'x')), PAUSE_MS);
    });
  });
}

/** Sends `fetch`, reads the whole answer, closes. */
function fetchAll(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const socket = net.connect(port, '127.0.0.1', () => socket.write('fetch\n'));
    socket.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= ANSWER_BYTES) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
  });
}

describe('socket replay of a response with a long pause in it', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let server: ListeningServer;
  let capture = '';
  before(async () => {
    dir = tempDir('rp-unseen-fifth-pause-');
    server = await listenForTest(pausingServer());
    capture = join(dir.path, 'pause.pcap');
    await recordLoopback(capture, server.port, async () => {
      assert.equal(await fetchAll(server.port), ANSWER_BYTES);
    });
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  it('captures the whole answer, pause included', async () => {
    const [captured] = await capturedSessions(capture);
    assert.equal(captured?.requests.length, 1);
    assert.equal(captured?.requests[0]?.responseBytes, ANSWER_BYTES);
  });

  for (const speed of [1, Number.POSITIVE_INFINITY]) {
    it(`receives the answer after the pause, as captured (--speed ${speed === 1 ? 1 : 'max'})`, async () => {
      const { report } = await replay(
        replayConfig([capture], server.port, server.port, { speed, sessionTimeoutMs: 5000 }),
        capturedOutput(),
      );
      const session = report.sessions[0];
      assert.equal(session?.outcome, 'completed', session?.reason);
      assert.equal(session?.requests[0]?.responseBytes, ANSWER_BYTES, 'the body after the pause counts');
      assert.ok((session?.requests[0]?.lastByteMs ?? 0) >= PAUSE_MS, 'last-byte latency includes the pause');
    });
  }
});
