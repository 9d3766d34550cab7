/**
 * `--speed max --concurrency n` as the target sees it on the wire: never more than n connections
 * open at once, counted from each connection's SYN to the first FIN or RST of it (tcpdump of lo,
 * recorded with `reprise record`). Sessions answered by a slow server end in batches; each ending
 * session freed its slot and the next one connected before the ended one's FIN went out (libuv
 * sends the FIN on the loop's next turn, the new SYN at once), so the target had up to 1.5n open
 * (15 with --concurrency 10, 150 with 100, on a 300-session capture).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { type ListeningServer, listenForTest } from '../helpers/listen.ts';
import { recordLoopback } from '../helpers/record-loopback.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { syntheticCapture, tempDir } from '../helpers/synthetic.ts';

const skip = process.getuid?.() !== 0 ? 'recording on lo needs root (libpcap)' : false;
if (skip) console.log(`# skipped: --concurrency on the wire: ${skip}`);

const CONCURRENCY = 5;
const SESSIONS = 40;
const ANSWER_DELAY_MS = 20;
const RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** An HTTP target that answers each request after a fixed delay (sessions then end in batches). */
function slowTarget(): net.Server {
  return net.createServer((socket) => {
    socket.on('error', () => {});
    socket.on('end', () => socket.end());
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(end + 4);
        setTimeout(() => socket.writable && socket.write(RESPONSE), ANSWER_DELAY_MS);
      }
    });
  });
}

/** The most connections to `port` open at once in a capture: from the client's SYN to its first FIN/RST. */
function mostOpenAtOnce(capture: string, port: number): { most: number; connections: number } {
  const text = execFileSync('tcpdump', ['-nn', '-r', capture, `tcp port ${port}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const open = new Set<string>();
  const seen = new Set<string>();
  let most = 0;
  for (const line of text.split('\n')) {
    const m = / IP [\d.]+\.(\d+) > [\d.]+\.(\d+): Flags \[([^\]]*)\]/.exec(line);
    if (!m) continue;
    const [, from, to, flags] = m;
    const client = Number(to) === port ? from : to;
    if (flags === 'S' && Number(to) === port && !seen.has(client)) {
      seen.add(client);
      open.add(client);
      most = Math.max(most, open.size);
    } else if (flags.includes('F') || flags.includes('R')) open.delete(client);
  }
  return { most, connections: seen.size };
}

describe('--speed max --concurrency, counted on the wire', { skip }, () => {
  const dir = tempDir('rp-timing11-concurrency-');
  let target: ListeningServer;
  let capture = '';
  before(async () => {
    target = await listenForTest(slowTarget());
    capture = await syntheticCapture(join(dir.path, 'sessions.pcap'), {
      sessions: SESSIONS,
      requestsPerSession: 2,
      sessionSpacingMs: 5,
      thinkTimeMs: 5,
    });
  });
  after(async () => {
    await target.close();
    dir.cleanup();
  });

  it(`never has more than ${CONCURRENCY} connections open on the target, and uses them all`, async () => {
    const wire = join(dir.path, 'wire.pcap');
    let report: RunReport | undefined;
    await recordLoopback(wire, target.port, async () => {
      const config = replayConfig([capture], target.port, 80, { concurrency: CONCURRENCY });
      report = (await replay(config, capturedOutput())).report;
    });
    assert.equal(report?.totals.sessions.completed, SESSIONS);
    const { most, connections } = mostOpenAtOnce(wire, target.port);
    assert.equal(connections, SESSIONS);
    assert.equal(
      most,
      CONCURRENCY,
      `the target had ${most} connections open at once with --concurrency ${CONCURRENCY}`,
    );
  });
});
