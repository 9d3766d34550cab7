/**
 * The socket transport's answer sent ahead (a target that sends its next message before the next
 * request): against real loopback servers.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { defaultSocketSessionOptions, SocketSession } from '../../src/transport/socket-session.ts';
import { capturedSession } from '../engine/script.ts';
import { listenForTest } from '../helpers/listen.ts';
import { manualEnv } from './manual-env.ts';
import { plannedSession } from './planned.ts';

/** A, B and C, captured answered with 3, 3 and 2 bytes. */
const session = () =>
  capturedSession([
    { data: 'A\n', responseBytes: 3 },
    { data: 'B\n', responseBytes: 3 },
    { data: 'C\n', responseBytes: 2 },
  ]);

describe('socket transport: an answer sent ahead', () => {
  it('does not count for a request sent again on a new connection: there it waits for its own', async () => {
    let connections = 0;
    // First connection: answers A and sends B's answer with it, then closes when B comes. On the
    // next, B's answer comes 1.5 s late, after the wait for an answer sent ahead (1 s).
    const target = net.createServer((socket) => {
      const connection = ++connections;
      socket.on('error', () => {});
      socket.on('data', (d: Buffer) => {
        const text = d.toString();
        if (text.includes('A')) socket.write('a1\na2\n');
        if (text.includes('B') && connection === 1) socket.destroy();
        else if (text.includes('B')) setTimeout(() => socket.write('b!\n'), 1500);
        if (text.includes('C')) socket.write('c\n');
      });
    });
    const server = await listenForTest(target);
    const { env, answered, ended } = manualEnv({ realTime: true });
    const replay = new SocketSession(
      plannedSession(session(), server.port),
      env,
      defaultSocketSessionOptions,
    );
    try {
      const end = await ended;
      assert.equal(end.outcome, 'completed', end.reason);
      assert.equal(connections, 2);
      const b = answered.find((a) => a.index === 1);
      assert.equal(
        b?.responseBytes,
        3,
        'its own answer, not the bytes that came ahead on the old connection',
      );
      assert.ok((b?.firstByteMs ?? 0) >= 1400, `answered after ${b?.firstByteMs} ms`);
    } finally {
      replay.stop();
      await server.close();
    }
  });
});
