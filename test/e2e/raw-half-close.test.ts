/**
 * Raw replay of a client that half-closes (shutdown(SHUT_WR)) after its request and then reads the
 * answer, against a `sort`-like server that answers only at end of input. The client is recorded
 * with `reprise record` on the target host's loopback, then replayed from the client pool through
 * intercept on the assist host: the replay must send its FIN before the answer, receive the answer,
 * and complete well before the session timeout.
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

const skip = skipWithoutNetns('raw replay of a half-closing client');
const PORT = 9000;
const SESSION_TIMEOUT_S = 20;

/** Shuffled numbered lines, sent in two writes; the second ends with the client's FIN. */
const LINES = Array.from({ length: 1500 }, (_, i) => `line-${String((i * 7919) % 1500).padStart(4, '0')}\n`);
const FIRST = LINES.slice(0, 700).join('');
const SECOND = LINES.slice(700).join('');
const SORTED = [...LINES].sort().join('');

/** Answers each connection with its input's lines sorted, once the input ended; logs one JSON line per connection. */
const SORT_SERVER = `
const net = require('node:net');
net.createServer({ allowHalfOpen: true }, (socket) => {
  const chunks = [];
  socket.on('data', (d) => chunks.push(d));
  socket.on('error', () => {});
  socket.on('end', () => {
    const input = Buffer.concat(chunks).toString();
    const lines = input.split('\\n').filter((l) => l !== '');
    console.log(JSON.stringify({ from: socket.remoteAddress, bytesIn: input.length }));
    socket.end(lines.sort().map((l) => l + '\\n').join(''));
  });
}).listen(${PORT}, '0.0.0.0', () => console.log('listening on ${PORT}'));
`;

/** Connects to the server on loopback, writes, half-closes, reads to EOF; prints the answer's length. */
const HALF_CLOSING_CLIENT = `
const socket = require('node:net').connect(${PORT}, '127.0.0.1', () => {
  socket.write(${JSON.stringify(FIRST)});
  setTimeout(() => socket.end(${JSON.stringify(SECOND)}), 30);
});
let answer = 0;
socket.on('data', (d) => { answer += d.length; });
socket.on('close', () => console.log('answer ' + answer));
`;

interface ServedConnection {
  from: string;
  bytesIn: number;
}

describe('raw replay of a client that half-closes before the answer', { skip, timeout: 120_000 }, () => {
  const openHosts = hostsForBlock();

  it('sends the FIN first, gets the end-of-input answer and completes well before the session timeout', async (t) => {
    const { hosts, dir } = openHosts('halfclose');
    const server = await startScriptServer(hosts, SORT_SERVER, PORT);

    const capture = join(dir, 'half-close.pcap');
    const client = await recordClientOnTarget(hosts, capture, PORT, HALF_CLOSING_CLIENT);
    assert.equal(client.stdout.trim(), `answer ${SORTED.length}`, client.stderr);

    const [captured] = await capturedSessions(capture);
    assert.equal(captured?.bytesFromServer, SORTED.length, 'the capture holds the answer');
    assert.equal(captured.requests.at(-1)?.halfClosed, true, 'the capture shows the FIN before the answer');
    const connectionsBefore = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{')).length;

    await startIntercept(hosts, hosts.assist, `tcp and src port ${PORT}`);
    const started = Date.now();
    const result = await runReplay(hosts, {
      captures: [capture],
      transfer: `${PORT}-${TARGET_IP}:${PORT}`,
      intercepts: ASSIST_IP,
      clientIps: '10.78.0.x',
      speed: 'max',
      sessionTimeoutS: SESSION_TIMEOUT_S,
    });
    const elapsedMs = Date.now() - started;
    t.diagnostic(`raw replay of the half-closing session: ${elapsedMs} ms`);

    const [session] = result.report.sessions;
    assert.equal(session?.outcome, 'completed', `${session?.reason}; stderr: ${result.stderr}`);
    assert.equal(session.bytesReceived, SORTED.length, 'the answer’s bytes are counted');
    assert.deepEqual(
      session.requests.map((r) => r.responseBytes),
      [SORTED.length],
      'and reported as the response',
    );
    assert.ok(elapsedMs < (SESSION_TIMEOUT_S * 1000) / 2, `replay took ${elapsedMs} ms`);

    const replayed = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .slice(connectionsBefore)
      .map((l) => JSON.parse(l) as ServedConnection);
    assert.equal(replayed.length, 1, 'one connection reached end of input');
    assert.match(replayed[0].from, /^10\.78\.0\.\d+$/, 'from the client pool');
    assert.equal(replayed[0].bytesIn, FIRST.length + SECOND.length, 'the whole request, then EOF');
  });
});
