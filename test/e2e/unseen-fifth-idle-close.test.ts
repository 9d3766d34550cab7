/**
 * A metrics client (Graphite plaintext) that sends its last line, holds its idle connection open,
 * and closes it later; the collector never answers. Recorded with `reprise record -i lo`, replayed
 * over the socket transport at --speed 1. The flow layer marks the last request half-closed (the
 * client's FIN came after it and before any answer), and the replay then sent the FIN right after
 * the line instead of at its captured time: the target saw each connection close seconds early,
 * so fewer connections open at once than in production, and the run ended before its timeline.
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
if (skip) console.log(`# skipped: an idle metrics connection: ${skip}`);

const IDLE_MS = 1500;

interface Connection {
  firstLineMs?: number;
  endMs?: number;
}

/** A collector that never answers: keeps when each connection's first bytes and its end came. */
function collector(connections: Connection[]): net.Server {
  return net.createServer((socket) => {
    const seen: Connection = {};
    connections.push(seen);
    socket.on('error', () => {});
    socket.on('data', () => {
      seen.firstLineMs ??= performance.now();
    });
    socket.on('end', () => {
      seen.endMs = performance.now();
      socket.end();
    });
  });
}

describe('socket replay of an idle metrics connection closed later', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let server: ListeningServer;
  let capture = '';
  const connections: Connection[] = [];
  before(async () => {
    dir = tempDir('rp-unseen-fifth-idle-');
    server = await listenForTest(collector(connections));
    capture = join(dir.path, 'idle.pcap');
    await recordLoopback(capture, server.port, async () => {
      const socket = net.connect(server.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`servers.a.cpu 42 ${Math.floor(Date.now() / 1000)}\n`);
      await sleep(IDLE_MS);
      socket.end();
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    });
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  it('captures one unanswered line and the close after the idle time', async () => {
    const [captured] = await capturedSessions(capture);
    assert.equal(captured?.requests.length, 1);
    assert.equal(captured?.bytesFromServer, 0);
    assert.ok(
      (captured?.endUs ?? 0) - (captured?.startUs ?? 0) >= IDLE_MS * 1000,
      'closed after the idle time',
    );
  });

  it('closes the connection when the captured client did, not right after the line', async () => {
    connections.length = 0;
    const { report } = await replay(
      replayConfig([capture], server.port, server.port, { speed: 1 }),
      capturedOutput(),
    );
    assert.equal(report.sessions[0]?.outcome, 'completed', report.sessions[0]?.reason);
    assert.equal(report.totals.requests.lost, 0);
    const [seen] = connections;
    const openMs = (seen?.endMs ?? 0) - (seen?.firstLineMs ?? 0);
    assert.ok(openMs >= IDLE_MS - 100, `the target saw the close ${openMs.toFixed(0)} ms after the line`);
  });
});
