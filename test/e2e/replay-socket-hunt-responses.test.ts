/**
 * Responses as real targets send them: HTTP bodies streamed with pauses, responses cut short by a
 * reset or a close, the last response of a --no-wait session, and a session timeout longer than
 * Node's timers hold.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { replay } from '../../src/replay/replay.ts';
import { headQueueServer } from '../helpers/head-queue-server.ts';
import { type ListeningServer, listenForTest } from '../helpers/listen.ts';
import { startRecordingServer } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { syntheticCapture, tempDir } from '../helpers/synthetic.ts';

const BODY_PART = 'x'.repeat(10);
const STREAMED_HEAD = `HTTP/1.1 200 OK\r\nContent-Length: ${BODY_PART.length * 3}\r\n\r\n`;
const STREAMED_BYTES = STREAMED_HEAD.length + BODY_PART.length * 3;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
/** A head promising 1000 bytes of body, and 3 of them. */
const CUT_SHORT = 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc';

/**
 * Answers each request with a head, then its body in three parts 30 ms apart (far over the 2 ms
 * quiet). `headIn`: the writes the head goes in, 10 ms apart (a head split across segments, or
 * an interim 100 Continue before it).
 */
function startStreamingServer(headIn: string[] = [STREAMED_HEAD]): Promise<ListeningServer> {
  return headQueueServer(async (socket) => {
    for (const [i, piece] of headIn.entries()) {
      if (i > 0) await sleep(10);
      socket.write(piece);
    }
    for (let part = 0; part < 3; part++) {
      await sleep(30);
      if (!socket.destroyed) socket.write(BODY_PART);
    }
  });
}

/** Answers the first request with a head promising 1000 bytes and 3 of them, then resets or closes. */
async function startTruncatingServer(how: 'reset' | 'close'): Promise<ListeningServer> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', async () => {
      socket.write(CUT_SHORT);
      await sleep(50);
      if (how === 'reset') socket.resetAndDestroy();
      else socket.end();
    });
  });
  return listenForTest(server);
}

describe('socket replay: how responses end', () => {
  const dir = tempDir();
  let capture: string;
  before(async () => {
    capture = await syntheticCapture(join(dir.path, 'three.pcap'), { sessions: 3, requestsPerSession: 3 });
  });
  after(() => dir.cleanup());

  for (const [what, headIn, extraBytes] of [
    ['', [STREAMED_HEAD], 0],
    [', its head split across segments', [STREAMED_HEAD.slice(0, 25), STREAMED_HEAD.slice(25)], 0],
    [
      ', after a 100 Continue',
      [CONTINUE + STREAMED_HEAD.slice(0, 25), STREAMED_HEAD.slice(25)],
      CONTINUE.length,
    ],
  ] as const) {
    it(`an HTTP body streamed with pauses${what} is one response: every request gets its whole answer`, async () => {
      const server = await startStreamingServer([...headIn]);
      try {
        const { report } = await replay(replayConfig([capture], server.port, 80), capturedOutput());
        assert.equal(report.totals.sessions.completed, 3);
        assert.equal(report.totals.requests.answered, 9);
        for (const s of report.sessions) {
          for (const r of s.requests) {
            assert.equal(
              r.responseBytes,
              STREAMED_BYTES + extraBytes,
              `session ${s.sessionId} request ${r.index}`,
            );
            assert.ok((r.lastByteMs ?? 0) >= 80, `last byte after the last body part: ${r.lastByteMs} ms`);
          }
        }
      } finally {
        await server.close();
      }
    });
  }

  it('an HTTP body streamed with pauses is one response: every request gets its whole answer and status', async () => {
    const server = await startStreamingServer();
    try {
      const { report } = await replay(replayConfig([capture], server.port, 80), capturedOutput());
      assert.equal(report.totals.sessions.completed, 3);
      assert.equal(report.totals.requests.answered, 9);
      assert.deepEqual(report.totals.httpStatus, { '200': 9 });
      for (const s of report.sessions) {
        for (const r of s.requests) {
          assert.equal(r.responseBytes, STREAMED_BYTES, `session ${s.sessionId} request ${r.index}`);
          assert.ok((r.lastByteMs ?? 0) >= 80, `last byte after the last body part: ${r.lastByteMs} ms`);
        }
      }
    } finally {
      await server.close();
    }
  });

  for (const [how, outcome, verb] of [
    ['reset', 'reset-by-target', 'reset'],
    ['close', 'closed-early', 'closed'],
  ] as const) {
    it(`a response cut short by a ${how} ends the session '${outcome}', not completed`, async () => {
      const server = await startTruncatingServer(how);
      try {
        const { report } = await replay(replayConfig([capture], server.port, 80), capturedOutput());
        assert.equal(report.totals.sessions.completed, 0);
        for (const s of report.sessions) {
          assert.equal(s.outcome, outcome, `session ${s.sessionId}: ${s.reason}`);
          assert.match(
            s.reason ?? '',
            new RegExp(
              `target ${verb} the connection in the middle of the response to request 0 \\(${CUT_SHORT.length} bytes`,
            ),
          );
          assert.equal(s.reconnects, undefined, 'no new connection after a broken response');
        }
      } finally {
        await server.close();
      }
    });
  }

  it('a response that stops mid-body times out and says so', async () => {
    const stalling = await listenForTest(
      net.createServer((socket) => {
        socket.on('error', () => {});
        socket.once('data', () => socket.write(CUT_SHORT));
      }),
    );
    try {
      const { report } = await replay(
        replayConfig([capture], stalling.port, 80, { sessionTimeoutMs: 500 }),
        capturedOutput(),
      );
      for (const s of report.sessions) {
        assert.equal(s.outcome, 'timed-out');
        assert.equal(
          s.reason,
          `the response to request 0 stopped after ${CUT_SHORT.length} bytes: no more within 0.5s`,
        );
      }
    } finally {
      await stalling.close();
    }
  });

  it('--no-wait keeps the connection open for the last response: every answer is counted', async () => {
    const oneEach = await syntheticCapture(join(dir.path, 'one-each.pcap'), {
      sessions: 3,
      requestsPerSession: 1,
    });
    const server = await startRecordingServer('http');
    try {
      const { report } = await replay(
        replayConfig([oneEach], server.port, 80, { noWait: true }),
        capturedOutput(),
      );
      assert.equal(report.totals.sessions.completed, 3);
      assert.equal(report.totals.requests.sent, 3);
      assert.equal(report.totals.requests.answered, 3);
      assert.equal(report.totals.requests.lost, 0);
      for (const s of report.sessions) assert.equal(s.requests[0]?.http?.status, 200);
    } finally {
      await server.close();
    }
  });

  it('a session timeout longer than 2^31 ms neither warns nor spins', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const server = await startRecordingServer('http');
    try {
      const { report } = await replay(
        replayConfig([capture], server.port, 80, { sessionTimeoutMs: 3_000_000_000 }),
        capturedOutput(),
      );
      await sleep(10);
      assert.equal(report.totals.sessions.completed, 3);
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
      await server.close();
    }
  });
});
