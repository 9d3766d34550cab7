/**
 * The socket transport's half-close (a captured client that shut its sending side after its last
 * request and read to the end): against real loopback servers, driven on a hand-moved clock.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import type { PlannedSession } from '../../src/replay/plan.ts';
import { defaultSocketSessionOptions, SocketSession } from '../../src/transport/socket-session.ts';
import { capturedSession } from '../engine/script.ts';
import { listenForTest } from '../helpers/listen.ts';
import { manualEnv } from './manual-env.ts';
import { plannedSession } from './planned.ts';

function planned(targetPort: number): PlannedSession {
  const session = capturedSession([
    { data: 'one\n', responseBytes: 4 },
    { data: 'two\n', responseBytes: 4, halfClosed: true },
  ]);
  return plannedSession(session, targetPort);
}

/** A line server: answers each line in upper case; at the client's EOF, `atEnd`. */
function lineServer(atEnd: (socket: net.Socket) => void) {
  let connections = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    connections++;
    socket.on('data', (d: Buffer) => {
      if (d.toString() === 'one\n') socket.write('ONE\n');
    });
    socket.on('end', () => atEnd(socket));
    socket.on('error', () => {});
  });
  return { server, connections: () => connections };
}

describe('socket transport: a half-closed last request', () => {
  it('gets the answer the server gives at end of input, and completes', async () => {
    const target = lineServer((socket) => socket.end('TWO\n'));
    const server = await listenForTest(target.server);
    const { env, answered, ended } = manualEnv();
    const session = new SocketSession(planned(server.port), env, defaultSocketSessionOptions);
    try {
      const end = await ended;
      assert.equal(end.outcome, 'completed', end.reason);
      assert.deepEqual(
        answered.map((a) => a.responseBytes),
        [4, 4],
      );
    } finally {
      session.stop();
      await server.close();
    }
  });

  it('ends closed early when the server closes without answering, rather than retrying it', async () => {
    const target = lineServer((socket) => socket.end());
    const server = await listenForTest(target.server);
    const { env, ended } = manualEnv();
    const session = new SocketSession(planned(server.port), env, defaultSocketSessionOptions);
    try {
      const end = await ended;
      assert.equal(end.outcome, 'closed-early');
      assert.match(end.reason ?? '', /without answering request 1/);
      assert.equal(target.connections(), 1, 'no new connection');
    } finally {
      session.stop();
      await server.close();
    }
  });
});
