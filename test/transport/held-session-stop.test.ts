/**
 * A session held open only for its captured client's close (every answer in) is completed, not
 * stopped, when the run is stopped: over both transports, on a hand-moved clock.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import type { PlannedSession } from '../../src/replay/plan.ts';
import { RawSession } from '../../src/transport/raw-session.ts';
import { defaultSocketSessionOptions, SocketSession } from '../../src/transport/socket-session.ts';
import { ACK, CLIENT_ISN, capturedSession, header, PSH, SYN, TARGET_ISN } from '../engine/script.ts';
import { listenForTest } from '../helpers/listen.ts';
import { manualEnv } from './manual-env.ts';
import { plannedSession } from './planned.ts';

/** One request, answered; the captured client closed 60 s later. */
function planned(targetPort: number): PlannedSession {
  const session = capturedSession([{ data: 'SUBSCRIBE news\r\n', responseBytes: 4 }]);
  return plannedSession(session, targetPort, { endOffsetUs: 60_000_000 });
}

describe('stopping the run while a session is held for its captured close', () => {
  it('socket: the held session ends completed', async () => {
    const server = await listenForTest(
      net.createServer((socket) => socket.on('data', () => socket.write('+OK\n'))),
    );
    const { env, answered, ended, due, setNow } = manualEnv({ allowFuture: true });
    setNow(1);
    const session = new SocketSession(planned(server.port), env, defaultSocketSessionOptions);
    try {
      while (due.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(answered.length, 1, 'answered, now held until the captured close');
      session.stop();
      assert.equal((await ended).outcome, 'completed');
    } finally {
      session.stop();
      await server.close();
    }
  });

  for (const answered of [true, false]) {
    const what = answered ? 'the held session ends completed' : 'one still awaiting its answer ends stopped';
    it(`raw: ${what}`, async () => {
      const { env, ended, setNow } = manualEnv({ allowFuture: true });
      const host = { engineOptions: {}, send() {}, ended() {} };
      const session = new RawSession(planned(9), { ip: 0x0a4e0001, port: 40000 }, env, host);
      setNow(1);
      session.start();
      session.feedback(
        header({ seq: TARGET_ISN, ack: CLIENT_ISN + 1, flags: SYN | ACK, options: { mss: 1460 } }),
      );
      const acked = CLIENT_ISN + 1 + 'SUBSCRIBE news\r\n'.length;
      const payloadLength = answered ? 4 : 0;
      session.feedback(header({ seq: TARGET_ISN + 1, ack: acked, flags: PSH | ACK, payloadLength }));
      setNow(2_000); // far past the response's quiet
      session.stop();
      assert.equal((await ended).outcome, answered ? 'completed' : 'stopped');
    });
  }
});
