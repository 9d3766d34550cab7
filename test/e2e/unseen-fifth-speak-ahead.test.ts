/**
 * A server that speaks ahead: after one request it sends its answer and, without waiting for the
 * client's next request, its next message too (rsync's checksum negotiation, SSH's KEXINIT: both
 * sides send at once). In the capture the client's next request went between the two; against a
 * faster target both arrive within one response quiet, and the replay then waited for an answer
 * to that next request that had already come: the session timed out with a request lost, and the
 * requests after it were never sent. Recorded with `reprise record -i lo`, replayed over the
 * socket transport.
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
if (skip) console.log(`# skipped: a server that speaks ahead: ${skip}`);

/**
 * On `A` it sends `a1`, then `a2` after `aheadMs` whatever the client does; it answers `C` with
 * `c`. `B` needs no answer of its own: `a2` was already on its way.
 */
function speaksAhead(aheadMs: { value: number }): net.Server {
  return net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (line === 'A') {
          socket.write('a1\n');
          setTimeout(() => socket.write('a2\n'), aheadMs.value);
        } else if (line === 'C') socket.write('c\n');
      }
    });
  });
}

/** A client that sends its next line as soon as the previous answer came. */
async function lockStepClient(port: number): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let received = '';
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!received.endsWith(text)) return;
        socket.off('data', onData);
        resolve();
      };
      const onData = (d: Buffer) => {
        received += d.toString();
        check();
      };
      socket.on('data', onData);
      socket.once('error', reject);
      check();
    });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  for (const [line, answer] of [
    ['A', 'a1\n'],
    ['B', 'a2\n'],
    ['C', 'c\n'],
  ] as const) {
    socket.write(`${line}\n`);
    await waitFor(answer);
  }
  socket.end();
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
}

describe('socket replay of a server that sends its next message before the next request', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let server: ListeningServer;
  const aheadMs = { value: 50 };
  before(async () => {
    dir = tempDir('rp-unseen-fifth-');
    server = await listenForTest(speaksAhead(aheadMs));
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  it('does not wait for an answer the target already sent', async () => {
    const file = join(dir.path, 'ahead.pcap');
    aheadMs.value = 50; // the recorded server: the client's B goes before a2
    await recordLoopback(file, server.port, () => lockStepClient(server.port));
    const [captured] = await capturedSessions(file);
    assert.deepEqual(
      captured?.requests.map((r) => r.responseBytes),
      [3, 3, 2],
      'captured: A -> a1, B -> a2, C -> c',
    );

    aheadMs.value = 0.5; // the candidate: a2 follows a1 at once, within one response quiet
    const started = performance.now();
    const { report } = await replay(
      replayConfig([file], server.port, server.port, { speed: 1, sessionTimeoutMs: 3000 }),
      capturedOutput(),
    );
    const session = report.sessions[0];
    assert.equal(session?.outcome, 'completed', session?.reason);
    assert.equal(report.totals.requests.sent, 3, 'every request went out');
    assert.equal(report.totals.requests.lost, 0, 'the target answered everything, a2 early');
    assert.equal(report.totals.bytes.received, 8, 'a1, a2 and c');
    assert.ok(performance.now() - started < 2000, 'no session timeout was waited out');
  });
});
