/**
 * A request the target dropped (its connection closed before any answer) goes again on a new
 * connection. Its latency must be the target's time for the attempt it answered, as a tcpdump of
 * the run shows it: not that plus the dropped attempt and the reconnect.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/report/schema.ts';
import { runCli } from '../helpers/cli.ts';
import { type ListeningServer, listenForTest } from '../helpers/listen.ts';
import { syntheticCapture, tempDir } from '../helpers/synthetic.ts';

const SERVER_MS = 100;

/** Answers every request after SERVER_MS, except the second on each connection: it closes that one then. */
function dropsEverySecondRequest(): http.Server {
  const served = new WeakMap<net.Socket, number>();
  return http.createServer((req, res) => {
    const nth = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, nth);
    req.resume();
    setTimeout(() => {
      if (nth === 2) req.socket.destroy();
      else res.end('ok');
    }, SERVER_MS);
  });
}

describe('replay: latency of a request retried on a new connection', () => {
  const dir = tempDir('reprise-truth8-');
  let server: ListeningServer;
  let capture: string;

  before(async () => {
    server = await listenForTest(dropsEverySecondRequest());
    capture = await syntheticCapture(join(dir.path, 'three-by-three.pcap'), {
      sessions: 3,
      requestsPerSession: 3,
    });
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  it('counts from the attempt the target answered, not from the dropped one', async () => {
    const reportFile = join(dir.path, 'run.json');
    const run = await runCli([
      'replay',
      capture,
      '-x',
      `80-127.0.0.1:${server.port}`,
      '--speed',
      'max',
      '--report',
      reportFile,
      '--no-tui',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    assert.equal(report.totals.requests.answered, 9, 'every request answered in the end');
    assert.ok((report.totals.sessions.reconnects ?? 0) >= 3, 'the target dropped requests, which went again');
    const latencies = report.sessions.flatMap((s) => s.requests.map((r) => r.firstByteMs ?? Number.NaN));
    const tooSlow = latencies.filter((ms) => !(ms < SERVER_MS * 1.8));
    assert.deepEqual(
      tooSlow,
      [],
      `the target answered every attempt it answered in ${SERVER_MS} ms; reported: ${latencies.join(', ')}`,
    );
  });
});
