/**
 * A server whose response heads end their lines with a bare LF (RFC 9112 2.2: a recipient may
 * accept one; curl, wget and browsers do): recorded from curl with `reprise record -i lo`, replayed
 * over the socket transport to the same server. Each response is over by its Content-Length, so
 * the session's three requests go at the captured pace.
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
if (skip) console.log(`# skipped: bare-LF response heads: ${skip}`);

const ANSWER = 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok';

/** Answers every request head with a 200 whose head lines end in a bare LF. */
function bareLfServer(): net.Server {
  return net.createServer((socket) => onRequestHeads(socket, () => socket.write(ANSWER)));
}

describe('socket replay against a server whose response heads end lines in a bare LF', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let server: ListeningServer;
  before(async () => {
    dir = tempDir('rp-unseen-seventh-');
    server = await listenForTest(bareLfServer());
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  it('reads each response by its Content-Length and sends every request', async () => {
    const file = join(dir.path, 'bare-lf.pcap');
    await recordCurl(file, server.port, ['/1', '/2', '/3']);
    const [captured] = await capturedSessions(file);
    assert.equal(captured?.requests.length, 3, 'curl sent three requests on one connection');

    const startedMs = Date.now();
    const { report } = await replay(
      replayConfig([file], server.port, server.port, { speed: 1, sessionTimeoutMs: 5000 }),
      capturedOutput(),
    );
    const session = report.sessions[0];
    assert.equal(session?.outcome, 'completed', session?.reason);
    assert.deepEqual(
      session?.requests.map((r) => [r.http?.status, r.responseBytes]),
      [
        [200, ANSWER.length],
        [200, ANSWER.length],
        [200, ANSWER.length],
      ],
    );
    assert.ok(Date.now() - startedMs < 3000, 'no request waited for the session timeout');
  });
});
