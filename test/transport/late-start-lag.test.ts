/**
 * A session that starts late (the event loop was busy when it was due) shows that delay in its
 * first request's send lag, over both transports. The run's clock is a real ReplayClock over a
 * wall clock the test moves by hand.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import type { PlannedSession } from '../../src/replay/plan.ts';
import type { SentRequest } from '../../src/report/metrics.ts';
import { RawSession } from '../../src/transport/raw-session.ts';
import { defaultSocketSessionOptions, SocketSession } from '../../src/transport/socket-session.ts';
import { ACK, CLIENT_ISN, capturedSession, header, SYN, TARGET_ISN } from '../engine/script.ts';
import { listenForTest } from '../helpers/listen.ts';
import { manualEnv } from './manual-env.ts';
import { plannedSession } from './planned.ts';

/** The session is due at 5 ms on the replay timeline; its first request at 6 ms. */
const SESSION_DUE_MS = 5;
const FIRST_REQUEST_OFFSET_MS = 1;
/** ...and the run gets round to starting it at 9 ms. */
const STARTED_AT_MS = 9;

function planned(targetPort: number): PlannedSession {
  const session = capturedSession([{ data: 'PING\r\n', offsetUs: FIRST_REQUEST_OFFSET_MS * 1000 }]);
  return plannedSession(session, targetPort, { startUs: SESSION_DUE_MS * 1000 });
}

const lagMs = (s: SentRequest) => s.sentMs - s.scheduledMs;
const firstRequestDueMs = SESSION_DUE_MS + FIRST_REQUEST_OFFSET_MS;

describe('send lag of a session that starts late', () => {
  it('socket: the first request counts from its captured time, not from when the session ran', async () => {
    const server = await listenForTest(net.createServer((socket) => socket.resume()));
    const { env, sent, setNow } = manualEnv();
    setNow(STARTED_AT_MS);
    const session = new SocketSession(planned(server.port), env, defaultSocketSessionOptions);
    try {
      // The connection opens at once on this clock: nothing of the lag is the target's.
      while (sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      assert.equal(sent[0].scheduledMs, firstRequestDueMs);
      assert.equal(lagMs(sent[0]), STARTED_AT_MS - firstRequestDueMs);
    } finally {
      session.stop();
      await server.close();
    }
  });

  it('raw: the first request counts from its captured time, not from when the session ran', () => {
    const { env, sent, setNow } = manualEnv();
    const host = { engineOptions: {}, send() {}, ended() {} };
    const session = new RawSession(planned(9), { ip: 0x0a4e0001, port: 40000 }, env, host);
    setNow(STARTED_AT_MS);
    session.start();
    setNow(STARTED_AT_MS + 0.2);
    session.feedback(
      header({ seq: TARGET_ISN, ack: CLIENT_ISN + 1, flags: SYN | ACK, options: { mss: 1460 } }),
    );
    session.stop();
    assert.equal(sent.length, 1);
    assert.equal(sent[0].scheduledMs, firstRequestDueMs);
    assert.equal(lagMs(sent[0]), STARTED_AT_MS + 0.2 - firstRequestDueMs);
  });
});
