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
import { listenForTest } from '../helpers/listen.ts';
import { manualEnv } from './manual-env.ts';
import { plannedSession } from './planned.ts';

const PATHS = ['/1', '/2', '/3', '/4', '/5'];
const PIPELINED = PATHS.map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const CLOSING = 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok';

/** Answers at most `perConnection` requests on a connection, then closes it; notes every path. */
function limitedServer(perConnection: number) {
  const paths: string[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    let pending = '';
    let answered = 0;
    socket.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        if (answered === perConnection) continue; // read, never answered: the client must resend it
        paths.push(head.split(' ')[1] ?? '');
        answered++;
        if (answered < perConnection) socket.write(OK);
        else socket.end(CLOSING);
      }
    });
  });
  return { server, paths };
}

describe('socket transport: pipelined requests the target closed on', () => {
  it('resends the requests cut off by a Connection: close on a new connection', async () => {
    const target = limitedServer(2);
    const server = await listenForTest(target.server);
    const session = capturedSession([{ data: PIPELINED, responseBytes: 5 * OK.length }]);
    const { env, sent, answered, ended } = manualEnv({ realTime: true, speed: Number.POSITIVE_INFINITY });
    const driver = new SocketSession(plannedSession(session, server.port), env, defaultSocketSessionOptions);
    try {
      const end = await ended;
      assert.equal(end.outcome, 'completed', end.reason);
      assert.deepEqual(target.paths, PATHS, 'each pipelined request reached the server once, in order');
      assert.equal(sent.length, 1, 'one captured request');
      const last = answered.at(-1);
      assert.equal(last?.responseBytes, 3 * OK.length + 2 * CLOSING.length, 'all five answers count');
    } finally {
      driver.stop();
      await server.close();
    }
  });
});
