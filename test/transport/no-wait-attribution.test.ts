/**
 * `--no-wait` credits responses by arrival, as the README says: bytes that come after the next
 * request went out are that request's, and a request that got no byte before it counts as lost.
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

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`;
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** Answers nothing until both requests came, then both at once, in order. */
function answersAfterTwo(): net.Server {
  return net.createServer((socket) => {
    let seen = '';
    socket.on('data', (chunk) => {
      seen += chunk.toString('latin1');
      if (seen.split('\r\n\r\n').length - 1 === 2) socket.write(OK + OK);
    });
  });
}

function twoRequests(port: number): PlannedSession {
  return plannedSession(capturedSession([{ data: GET('/a') }, { data: GET('/b') }]), port);
}

describe('socket transport --no-wait: which request a response is credited to', () => {
  it('both responses arrive after the second request went: the second gets them, the first none', async () => {
    const server = await listenForTest(answersAfterTwo());
    const { env, sent, answered, ended } = manualEnv();
    const session = new SocketSession(twoRequests(server.port), env, {
      ...defaultSocketSessionOptions,
      noWait: true,
    });
    try {
      const end = await ended;
      assert.equal(end.outcome, 'completed');
      assert.deepEqual(
        sent.map((s) => s.index),
        [0, 1],
      );
      assert.deepEqual(
        answered.map((a) => [a.index, a.status]),
        [[1, 200]],
        'request 0 has no answer (it counts as lost); request 1 is credited with the first response',
      );
    } finally {
      session.stop();
      await server.close();
    }
  });
});
