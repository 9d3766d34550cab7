/**
 * An interactive line protocol (telnet running a shell: the echo of Enter, then the command's
 * output a few milliseconds later) answers in two parts. When the target's second part comes later
 * than the captured one did, after the replay judged the response over but before the next request
 * is due, those bytes reach the session's `bytesReceived` and no request's `responseBytes`: the
 * per-request figures no longer add up to what the target sent. Recorded with `reprise record -i
 * lo`, replayed over the socket transport.
 */
import assert from 'node:assert/strict';
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

const skip = process.getuid?.() !== 0 ? 'recording on lo needs root (libpcap)' : false;
if (skip) console.log(`# skipped: a response whose tail comes late: ${skip}`);

const ECHO = 'ok';
const OUTPUT = '1998\r\n1999\r\n2000\r\n# ';

/** Echoes each line at once, and its "output" `tailDelay.ms` later, as a shell behind telnetd does. */
function echoThenOutput(tailDelay: { ms: number }): net.Server {
  return net.createServer((socket) => {
    socket.on('error', () => {});
    socket.on('data', () => {
      socket.write(ECHO);
      setTimeout(() => socket.writable && socket.write(OUTPUT), tailDelay.ms);
    });
  });
}

async function twoLines(port: number): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.resume();
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('a');
  await sleep(400);
  socket.write('b');
  await sleep(400);
  socket.end();
  await closed;
}

describe('socket replay of a response whose second part comes later than captured', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let server: ListeningServer;
  const tailDelay = { ms: 1 };
  let file = '';
  before(async () => {
    dir = tempDir('rp-unseen-seventh-');
    server = await listenForTest(echoThenOutput(tailDelay));
    file = join(dir.path, 'late-tail.pcap');
    await recordLoopback(file, server.port, () => twoLines(server.port));
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  async function replayWithTailAfter(ms: number, noWait = false) {
    tailDelay.ms = ms;
    const config = replayConfig([file], server.port, server.port, { speed: 1, noWait });
    const { report } = await replay(config, capturedOutput());
    const session = report.sessions[0];
    assert.ok(session, 'one session replayed');
    return session;
  }

  it('captures two requests, each answered in two parts', async () => {
    const [captured] = await capturedSessions(file);
    assert.deepEqual(
      captured?.requests.map((r) => r.responseBytes),
      [ECHO.length + OUTPUT.length, ECHO.length + OUTPUT.length],
    );
  });

  it('receives every byte the target sent, and completes', async () => {
    const session = await replayWithTailAfter(80);
    assert.equal(session.outcome, 'completed', session.reason);
    assert.equal(session.bytesReceived, 2 * (ECHO.length + OUTPUT.length));
  });

  it('credits the late output to a request: the per-request bytes add up to the session', async () => {
    const session = await replayWithTailAfter(80);
    const credited = session.requests.reduce((sum, r) => sum + r.responseBytes, 0);
    assert.equal(credited, session.bytesReceived, 'every received byte belongs to some request');
    assert.equal(
      session.requests[0]?.responseBytes,
      ECHO.length + OUTPUT.length,
      'the output answers line 1',
    );
  });

  it('with --no-wait, credits request 1 with every byte that came before request 2 went, as documented', async () => {
    const session = await replayWithTailAfter(80, true);
    assert.equal(session.bytesReceived, 2 * (ECHO.length + OUTPUT.length), 'the target sent it all');
    assert.deepEqual(
      session.requests.map((r) => r.responseBytes),
      [ECHO.length + OUTPUT.length, ECHO.length + OUTPUT.length],
    );
  });
});
