/**
 * Raw replay of a server that pauses in the middle of a response, as `git daemon` does between
 * its first progress line and the pack (it counts and compresses objects meanwhile), recorded on
 * the target host's loopback with `reprise record` and replayed with --speed max through
 * intercept on the assist host. The pause is longer than the response quiet, and the request is
 * the session's last: the replay called the response over at the pause, reset the connection, and
 * reported the session completed with the head of the response only (git clone: 309 B of 405.7
 * KiB). The socket transport waits, while a response is shorter than the captured one, until the
 * captured one ended and half as long again (src/replay/response-quiet.ts capturedResponseEndUs).
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

const skip = skipWithoutNetns('raw replay of a response with a pause in it');
const PORT = 9002;
const PAUSE_MS = 60;
const BODY_BYTES = 200_000;
const HEAD = 'counting objects\n';

/** Answers `fetch` with a head line, then, after a pause, the body. */
const PAUSING_SERVER = `
const net = require('node:net');
net.createServer((socket) => {
  socket.on('error', () => {});
  socket.on('data', (d) => {
    if (!d.toString().includes('fetch\\n')) return;
    socket.write(${JSON.stringify(HEAD)});
    setTimeout(() => socket.write(Buffer.alloc(${BODY_BYTES}, 120)), ${PAUSE_MS});
  });
}).listen(${PORT}, '0.0.0.0', () => console.log('listening on ${PORT}'));
`;

/** Sends `fetch`, reads the whole answer, closes. */
const FETCH_CLIENT = `
const socket = require('node:net').connect(${PORT}, '127.0.0.1', () => socket.write('fetch\\n'));
let got = 0;
socket.on('data', (d) => {
  got += d.length;
  if (got >= ${HEAD.length + BODY_BYTES}) socket.end();
});
socket.on('close', () => console.log('got ' + got));
`;

describe('raw replay of a response with a pause in it', { skip, timeout: 120_000 }, () => {
  const openHosts = hostsForBlock();

  it('waits for the rest of a response shorter than the captured one, at --speed max', async () => {
    const { hosts, dir } = openHosts('unseen5pause');
    await startScriptServer(hosts, PAUSING_SERVER, PORT);
    const capture = join(dir, 'pause.pcap');
    const client = await recordClientOnTarget(hosts, capture, PORT, FETCH_CLIENT);
    assert.equal(client.stdout.trim(), `got ${HEAD.length + BODY_BYTES}`, client.stderr);
    const [captured] = await capturedSessions(capture);
    assert.equal(captured?.requests[0]?.responseBytes, HEAD.length + BODY_BYTES, 'the whole answer captured');

    await startIntercept(hosts, hosts.assist, `tcp and src port ${PORT}`);
    const result = await runReplay(hosts, {
      captures: [capture],
      transfer: `${PORT}-${TARGET_IP}:${PORT}`,
      intercepts: ASSIST_IP,
      clientIps: '10.78.0.x',
      speed: 'max',
      sessionTimeoutS: 10,
    });
    const [session] = result.report.sessions;
    assert.equal(session?.outcome, 'completed', `${session?.reason}; stderr: ${result.stderr}`);
    assert.equal(
      session.requests[0]?.responseBytes,
      HEAD.length + BODY_BYTES,
      'the response after the pause counts, as the target sent it',
    );
    assert.equal(result.report.totals.bytes.received, HEAD.length + BODY_BYTES);
  });
});
