/**
 * The socket transport and HTTP requests a client pipelined (one captured request holding five),
 * against a real loopback server that answers two per connection, the second with `Connection:
 * close` (nginx's keepalive_requests 2): the three cut off go again on a new connection, as a
 * client that pipelines resends them, and every one reaches the server once.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { defaultSocketSessionOptions, SocketSession } from '../../src/transport/socket-session.ts';
import { capturedSession } from '../engine/script.ts';
import { onRequestHeads } from '../helpers/head-queue-server.ts';
import { listenForTest } from '../helpers/listen.ts';
import { manualEnv } from './manual-env.ts';
import { plannedSession } from './planned.ts';

const PATHS = ['/1', '/2', '/3', '/4', '/5'];
const PIPELINED = PATHS.map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const CLOSING = 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok';

/**
 * Answers at most `limits[i]` requests on its i-th connection (the last limit for later ones),
 * closing it with the last answer, or at once when the limit is 0; notes every path answered.
 */
function limitedServer(...limits: number[]) {
  const paths: string[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    const perConnection = limits[Math.min(connections++, limits.length - 1)] ?? 0;
    let answered = 0;
    onRequestHeads(socket, (head) => {
      if (perConnection === 0) socket.end();
      if (answered === perConnection) return; // read, never answered: the client must resend it
      paths.push(head.split(' ')[1] ?? '');
      answered++;
      if (answered < perConnection) socket.write(OK);
      else socket.end(CLOSING);
    });
  });
  return { server, paths };
}

/** `closedBy`: who sent the captured session's first FIN (the captured server, when it cut them off too). */
async function replayAgainst(
  target: ReturnType<typeof limitedServer>,
  closedBy: 'client' | 'server' = 'client',
) {
  const server = await listenForTest(target.server);
  const session = capturedSession([{ data: PIPELINED, responseBytes: 5 * OK.length }]);
  session.endedBy = closedBy;
  const { env, sent, answered, ended } = manualEnv({ realTime: true, speed: Number.POSITIVE_INFINITY });
  const driver = new SocketSession(plannedSession(session, server.port), env, defaultSocketSessionOptions);
  try {
    return { end: await ended, sent, answered };
  } finally {
    driver.stop();
    await server.close();
  }
}

describe('socket transport: pipelined requests the target closed on', () => {
  it('the requests cut off by a Connection: close go again when the captured server answered them', async () => {
    const target = limitedServer(2);
    const { end, sent, answered } = await replayAgainst(target);
    assert.equal(end.outcome, 'completed', end.reason);
    assert.deepEqual(target.paths, PATHS, 'each pipelined request reached the server once, in order');
    assert.equal(sent.length, 1, 'one captured request');
    const last = answered.at(-1);
    assert.equal(last?.responseBytes, 3 * OK.length + 2 * CLOSING.length, 'all five answers count');
  });

  it('a resent rest the target closes on unanswered ends the session lost, not completed', async () => {
    const target = limitedServer(2, 0);
    const { end } = await replayAgainst(target);
    assert.equal(end.outcome, 'closed-early', end.reason);
    assert.match(end.reason ?? '', /without answering request 0/);
    assert.deepEqual(target.paths, ['/1', '/2']);
  });

  it('nothing goes again when the captured server cut them off too (the retry is a captured session)', async () => {
    const target = limitedServer(2);
    const { end } = await replayAgainst(target, 'server');
    assert.equal(end.outcome, 'completed', end.reason);
    assert.deepEqual(target.paths, ['/1', '/2'], 'the rest is not sent twice');
  });
});
