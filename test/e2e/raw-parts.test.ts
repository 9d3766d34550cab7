/**
 * Raw replay of a client that sends readings with pauses and no answer between them (a metrics
 * agent, `mosquitto_pub -l`): recorded with `reprise record` on the target host's loopback,
 * replayed at --speed 1 from the client pool through intercept on the assist host. The target must
 * get the readings as far apart as in the capture, not in one burst, and the report must measure
 * the answer's latency from the last reading.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { capturedSessions } from '../helpers/captured.ts';
import { ASSIST_IP, skipWithoutNetns, TARGET_IP } from '../helpers/netns.ts';
import {
  hostsForBlock,
  recordClientOnTarget,
  runReplay,
  startIntercept,
  startScriptServer,
} from './raw-harness.ts';

const skip = skipWithoutNetns('raw replay of a client that pauses mid-request');
const PORT = 9001;
const PAUSE_MS = 400;

/** Logs each chunk's arrival (ms, peer, text) as a JSON line; answers once the third reading is in. */
const READINGS_SERVER = `
const net = require('node:net');
net.createServer((socket) => {
  let got = '';
  socket.on('data', (d) => {
    got += d.toString();
    console.log(JSON.stringify({ ms: performance.now(), from: socket.remoteAddress, text: d.toString() }));
    if (got.endsWith('reading 3\\n')) socket.write('stored 3\\n');
  });
  socket.on('error', () => {});
}).listen(${PORT}, '0.0.0.0', () => console.log('listening on ${PORT}'));
`;

const READINGS_CLIENT = `
const socket = require('node:net').connect(${PORT}, '127.0.0.1', async () => {
  for (const n of [1, 2, 3]) {
    if (n > 1) await new Promise((r) => setTimeout(r, ${PAUSE_MS}));
    socket.write('reading ' + n + '\\n');
  }
});
socket.on('data', () => socket.end());
socket.on('close', () => console.log('done'));
`;

interface Arrival {
  ms: number;
  from: string;
  text: string;
}

describe('raw replay of a client that pauses mid-request', { skip, timeout: 120_000 }, () => {
  const openHosts = hostsForBlock();

  it('sends the readings as far apart as captured and measures latency from the last', async () => {
    const { hosts, dir } = openHosts('parts');
    const server = await startScriptServer(hosts, READINGS_SERVER, PORT);

    const capture = join(dir, 'readings.pcap');
    const client = await recordClientOnTarget(hosts, capture, PORT, READINGS_CLIENT);
    assert.equal(client.stdout.trim(), 'done', client.stderr);

    const [captured] = await capturedSessions(capture);
    assert.equal(captured?.requests.length, 1, 'one request: the server said nothing in between');
    assert.equal(captured.requests[0].parts.length, 2, 'sent in three parts');
    const arrivalsBefore = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{')).length;

    await startIntercept(hosts, hosts.assist, `tcp and src port ${PORT}`);
    const result = await runReplay(hosts, {
      captures: [capture],
      transfer: `${PORT}-${TARGET_IP}:${PORT}`,
      intercepts: ASSIST_IP,
      clientIps: '10.78.0.x',
      speed: 1,
      sessionTimeoutS: 10,
    });
    const [session] = result.report.sessions;
    assert.equal(session?.outcome, 'completed', `${session?.reason}; stderr: ${result.stderr}`);

    const arrivals = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .slice(arrivalsBefore)
      .map((l) => JSON.parse(l) as Arrival);
    assert.deepEqual(
      arrivals.map((a) => a.text),
      ['reading 1\n', 'reading 2\n', 'reading 3\n'],
    );
    assert.ok(
      arrivals.every((a) => /^10\.78\.0\.\d+$/.test(a.from)),
      'from the client pool',
    );
    const apart = arrivals.slice(1).map((a, i) => a.ms - arrivals[i].ms);
    assert.ok(
      // Each part at its own time: the first gap is shorter by what the replayed handshake took
      // (through intercept) beyond the captured one; the others are as captured.
      apart.every((ms) => ms >= PAUSE_MS - 150 && ms < PAUSE_MS * 4) && apart[1] >= PAUSE_MS - 50,
      `readings ${apart.map((ms) => ms.toFixed(0)).join(', ')} ms apart, as captured (${PAUSE_MS})`,
    );
    const [request] = session.requests;
    assert.equal(request.responseBytes, 9);
    assert.ok((request.firstByteMs ?? 1e9) < 200, `latency ${request.firstByteMs} ms from the last reading`);
    const lagMs = (request.sentMs ?? 0) - (request.scheduledMs ?? 0);
    assert.ok(lagMs < 200, `send lag ${lagMs} ms: the pauses are not lag`);
  });
});
