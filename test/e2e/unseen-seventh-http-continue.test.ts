/**
 * A server may send a 100 Continue nobody asked for (RFC 9110 15.2: a client must parse 1xx
 * responses it did not expect) before the final response to a GET. Recorded from curl with
 * `reprise record -i lo`, replayed over the socket transport against the same server made slower:
 * the final response still belongs to the GET, not to the request after it.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { onRequestHeads } from '../helpers/head-queue-server.ts';
import { type ListeningServer, listenForTest } from '../helpers/listen.ts';
import { recordCurl } from '../helpers/record-loopback.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const skip = process.getuid?.() !== 0 ? 'recording on lo needs root (libpcap)' : false;
if (skip) console.log(`# skipped: an unasked 100 Continue: ${skip}`);

const FINAL = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal';
const NEXT = 'HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnext';

/** Answers `GET /hinted` with a 100 Continue, then the 200 after `finalDelayMs`; anything else 404. */
function continueFirstServer(finalDelayMs: () => number): net.Server {
  return net.createServer((socket) =>
    onRequestHeads(socket, (head) => {
      if (head.startsWith('GET /hinted ')) {
        socket.write('HTTP/1.1 100 Continue\r\n\r\n');
        setTimeout(() => socket.write(FINAL), finalDelayMs());
      } else socket.write(NEXT);
    }),
  );
}

describe('socket replay of an unasked 100 Continue before a slower final response', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let server: ListeningServer;
  let delayMs = 20;
  before(async () => {
    dir = tempDir('rp-unseen-seventh-');
    server = await listenForTest(continueFirstServer(() => delayMs));
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  it('credits the final response to the GET it answers, not to the next request', async () => {
    const file = join(dir.path, 'continue.pcap');
    delayMs = 20;
    await recordCurl(file, server.port, ['/hinted', '/next']);
    const [captured] = await capturedSessions(file);
    assert.equal(captured?.requests.length, 2, 'captured: the GET and the request after it');

    delayMs = 400; // the candidate build is slower to send its final response
    const { report } = await replay(
      replayConfig([file], server.port, server.port, { speed: 1 }),
      capturedOutput(),
    );
    const session = report.sessions[0];
    assert.equal(session?.outcome, 'completed', session?.reason);
    const [hinted, next] = session?.requests ?? [];
    assert.equal(hinted?.http?.status, 200, 'the GET was answered 200 after its 100 Continue');
    assert.equal(hinted?.responseBytes, 25 + FINAL.length, 'the 100 Continue and the 200 are its answer');
    assert.ok(
      (hinted?.lastByteMs ?? 0) >= 350,
      `its last byte came after the delay (${hinted?.lastByteMs} ms)`,
    );
    assert.equal(next?.http?.status, 404, 'the next request got its own answer');
    assert.equal(next?.responseBytes, NEXT.length);
  });
});
