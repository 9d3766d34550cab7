/**
 * Faulty targets: the run always finishes, every planned session has an outcome, and the
 * report says why.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import type { SessionOutcome } from '../../src/report/outcome.ts';
import { corpusFile } from '../helpers/corpus.ts';
import { lineProtocolCapture } from '../helpers/line-capture.ts';
import { listenForTest } from '../helpers/listen.ts';
import { type FaultMode, startRecordingServer, unusedPort } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { syntheticCapture, tempDir } from '../helpers/synthetic.ts';

const cases: Array<{ mode: FaultMode | 'refuse'; outcome: SessionOutcome; reason: RegExp }> = [
  {
    mode: 'reset',
    outcome: 'reset-by-target',
    reason: /target reset the connection without answering request 0/,
  },
  { mode: 'silent', outcome: 'timed-out', reason: /no response to request 0 within 1s/ },
  {
    mode: 'close-unanswered',
    outcome: 'closed-early',
    reason: /target closed the connection without answering request 0/,
  },
  { mode: 'refuse', outcome: 'refused', reason: /refused/ },
];

describe('socket replay against faulty targets', () => {
  const dir = tempDir();
  let capture: string;
  before(async () => {
    capture = await syntheticCapture(join(dir.path, 'three.pcap'), { sessions: 3, requestsPerSession: 3 });
  });
  after(() => dir.cleanup());

  for (const { mode, outcome, reason } of cases) {
    it(`a target that ${mode === 'refuse' ? 'refuses connections' : mode}: every session ends '${outcome}'`, async () => {
      const server = mode === 'refuse' ? undefined : await startRecordingServer(mode);
      const port = server?.port ?? (await unusedPort());
      try {
        const out = capturedOutput();
        const { report } = await replay(replayConfig([capture], port, 80, { sessionTimeoutMs: 1000 }), out);
        assert.equal(report.sessions.length, 3, 'every planned session is in the report');
        assert.equal(report.totals.sessions.planned, 3);
        for (const s of report.sessions) {
          assert.equal(s.outcome, outcome, `session ${s.sessionId}: ${s.reason}`);
          assert.match(s.reason ?? '', reason);
        }
        assert.equal(report.totals.sessions.failed, 3);
        assert.match(out.text(), new RegExp(outcome));
      } finally {
        await server?.close();
      }
    });
  }

  it('the session timeout counts from the latest wait: a slow answer does not shorten the next one', async () => {
    // Answers each connection's first request after 600 ms, then stays silent.
    const target = createServer((socket) => {
      let answered = false;
      socket.on('data', () => {
        if (answered) return;
        answered = true;
        setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), 600);
      });
    });
    const { port, close } = await listenForTest(target);
    try {
      const { report } = await replay(
        replayConfig([capture], port, 80, { sessionTimeoutMs: 1000 }),
        capturedOutput(),
      );
      for (const s of report.sessions) {
        assert.equal(s.outcome, 'timed-out', `session ${s.sessionId}: ${s.reason}`);
        assert.match(s.reason ?? '', /no response to request 1 within 1s/);
        assert.equal(s.requests[0].firstByteMs !== undefined, true, 'request 0 was answered');
        const lastedMs = (s.endedMs ?? 0) - (s.startedMs ?? 0);
        assert.ok(lastedMs >= 1500, `timed out ${lastedMs} ms after it started, not 1 s after request 1`);
      }
    } finally {
      await close();
    }
  });

  it('a target that closes after each answer: sessions reconnect and complete, each request once', async () => {
    const server = await startRecordingServer('close-after-first');
    try {
      const out = capturedOutput();
      const { report } = await replay(replayConfig([capture], server.port, 80), out);
      for (const s of report.sessions) {
        assert.equal(s.outcome, 'completed', `session ${s.sessionId}: ${s.reason}`);
        assert.equal(s.reconnects, 2, 'three requests, one connection each');
        assert.deepEqual(
          s.requests.map((r) => [r.index, r.http?.status]),
          [
            [0, 200],
            [1, 200],
            [2, 200],
          ],
        );
      }
      assert.equal(server.connections.length, 9);
      const received = server.connections.map((c) => Buffer.concat(c.bytes).toString('latin1'));
      assert.ok(
        received.every((text) => text.split('GET ').length === 2),
        'every connection carried exactly one request: none was sent twice',
      );
      assert.match(out.text(), /sessions\s+3 planned: 3 completed; 6 reconnects/);
    } finally {
      await server.close();
    }
  });

  it('a target that closes after each answer without saying so: every request answered once', async () => {
    const server = await startRecordingServer('fin-after-first');
    try {
      const { report } = await replay(replayConfig([capture], server.port, 80), capturedOutput());
      for (const s of report.sessions) {
        assert.equal(s.outcome, 'completed', `session ${s.sessionId}: ${s.reason}`);
        assert.deepEqual(
          s.requests.map((r) => [r.index, r.http?.status]),
          [
            [0, 200],
            [1, 200],
            [2, 200],
          ],
          'a request written as the target closed went again on the next connection, reported once',
        );
      }
    } finally {
      await server.close();
    }
  });

  it('a target that closes idle keep-alive connections: the next request goes on a new one', async () => {
    const slow = await syntheticCapture(join(dir.path, 'idle.pcap'), {
      sessions: 2,
      requestsPerSession: 3,
      thinkTimeMs: 400,
    });
    const server = await startRecordingServer('idle-close');
    try {
      const { report } = await replay(replayConfig([slow], server.port, 80, { speed: 1 }), capturedOutput());
      for (const s of report.sessions) {
        assert.equal(s.outcome, 'completed', `session ${s.sessionId}: ${s.reason}`);
        assert.ok((s.reconnects ?? 0) >= 2, `session ${s.sessionId}: ${s.reconnects} reconnects`);
      }
      assert.equal(report.totals.requests.answered, 6);
      const requestsPerConnection = server.connections.map(
        (c) => Buffer.concat(c.bytes).toString('latin1').split('GET ').length - 1,
      );
      assert.equal(
        requestsPerConnection.reduce((a, b) => a + b, 0),
        6,
        'each request went once: connections the target timed out idle carried none',
      );
    } finally {
      await server.close();
    }
  });

  it('--no-wait sends every request on schedule even when the target never answers', async () => {
    const server = await startRecordingServer('silent');
    try {
      const { report } = await replay(
        replayConfig([capture], server.port, 80, { noWait: true, sessionTimeoutMs: 1000 }),
        capturedOutput(),
      );
      assert.equal(report.totals.requests.sent, 9);
      assert.equal(report.totals.requests.answered, 0);
    } finally {
      await server.close();
    }
  });

  it('a request the capture shows unanswered (QUIT) is not lost when the target does not answer it either', async () => {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.on('data', (chunk) => {
        if (chunk.toString('latin1').startsWith('QUIT')) socket.end();
        else socket.write('+OK\r\n');
      });
    });
    const target = await listenForTest(server);
    try {
      const capture = await lineProtocolCapture(join(dir.path, 'quit.pcap'), 7000, [
        ['PING\r\n', '+PONG\r\n'],
        ['GET a\r\n', '$1\r\nx\r\n'],
        ['QUIT\r\n', undefined],
      ]);
      const { report } = await replay(replayConfig([capture], target.port, 7000), capturedOutput());
      const { requests } = report.totals;
      assert.deepEqual(
        [requests.sent, requests.answered, requests.lost, requests.unansweredAsCaptured],
        [3, 2, 0, 1],
      );
      assert.deepEqual(
        report.sessions[0].requests.map((r) => r.unansweredInCapture),
        [undefined, undefined, true],
      );
      assert.equal(report.sessions[0].outcome, 'completed', report.sessions[0].reason);
    } finally {
      await target.close();
    }
  });

  it('a one-sided capture tells nothing: its requests a silent target leaves unanswered are lost', async () => {
    const server = await startRecordingServer('silent');
    try {
      const smtp = corpusFile('zeek_smtp-one-side-only.pcap');
      const { report } = await replay(
        replayConfig([smtp], server.port, 25, { sessionTimeoutMs: 1000 }),
        capturedOutput(),
      );
      const { requests } = report.totals;
      assert.deepEqual(
        [requests.sent, requests.answered, requests.lost, requests.unansweredAsCaptured],
        [10, 0, 10, 0],
      );
    } finally {
      await server.close();
    }
  });
});
