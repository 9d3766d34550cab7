/**
 * A one-way protocol: syslog over TCP (RFC 6587), sent by util-linux `logger --tcp` with pauses,
 * recorded with `reprise record -i lo` and replayed over the socket transport. The server never
 * answers, in the capture (whose SYN-ACK and ACKs show the server side was captured) as in the
 * replay: nothing was lost, and the lines go out at their captured pauses.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { type ListeningServer, listenForTest } from '../helpers/listen.ts';
import { recordLoopback } from '../helpers/record-loopback.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const LINES = 4;
const PAUSE_S = 0.3;

function whySkip(): string | false {
  if (process.getuid?.() !== 0) return 'recording on lo needs root (libpcap)';
  if (spawnSync('logger', ['--help']).status !== 0) return 'logger (util-linux) is not installed';
  return false;
}
const skip = whySkip();
if (skip) console.log(`# skipped: syslog over TCP: ${skip}`);

/** A syslog collector: keeps the time (ms since its connection) each line arrived at. */
function collector(arrivals: number[][]): net.Server {
  return net.createServer((socket) => {
    const startedMs = performance.now();
    const times: number[] = [];
    arrivals.push(times);
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      for (const _ of d.toString().matchAll(/<13>/g)) times.push(performance.now() - startedMs);
    });
  });
}

describe('socket replay of syslog over TCP (logger --tcp)', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let server: ListeningServer;
  const arrivals: number[][] = [];
  before(async () => {
    dir = tempDir('rp-unseen-more-');
    server = await listenForTest(collector(arrivals));
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  it('counts no request lost when the server never answers, in the capture as in the replay', async () => {
    const file = join(dir.path, 'syslog.pcap');
    await recordLoopback(file, server.port, async () => {
      const script = `for i in $(seq ${LINES}); do echo "line $i"; sleep ${PAUSE_S}; done`;
      const feeder = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const logger = spawn('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(server.port), '-t', 'rp'], {
        stdio: ['pipe', 'inherit', 'inherit'],
      });
      feeder.stdout.pipe(logger.stdin);
      const [code] = (await once(logger, 'close')) as [number];
      assert.equal(code, 0, 'logger sent its lines');
    });
    const [captured] = await capturedSessions(file);
    assert.equal(captured?.handshake.synAck, true, 'the server side is in the capture');
    assert.equal(captured?.bytesFromServer, 0);
    assert.equal(captured?.requests.length, 1, 'lines with no answer between them are one request');
    assert.equal(captured?.requests[0]?.parts.length, LINES - 1, 'sent in parts, one a line');

    arrivals.length = 0;
    const { report } = await replay(
      replayConfig([file], server.port, server.port, { speed: 1 }),
      capturedOutput(),
    );
    const [times] = arrivals;
    assert.equal(times?.length, LINES, 'every line reached the collector');
    const spanMs = (times?.at(-1) ?? 0) - (times?.[0] ?? 0);
    assert.ok(Math.abs(spanMs - (LINES - 1) * PAUSE_S * 1000) < 150, `lines spread over ${spanMs} ms`);
    assert.equal(report.sessions[0]?.outcome, 'completed', report.sessions[0]?.reason);
    assert.equal(report.totals.requests.lost, 0, 'the capture shows the server never answers');
    assert.equal(report.totals.requests.unansweredAsCaptured, 1);
  });
});
