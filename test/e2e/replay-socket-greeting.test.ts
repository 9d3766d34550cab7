/**
 * A protocol where the server speaks first (POP3, from the corpus) over the socket transport, at
 * --speed max: a loopback POP3-like server that greets late must get every session's first
 * command only after its greeting, and every captured command in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import { capturedSessions, clientBytes } from '../helpers/captured.ts';
import { corpusFile } from '../helpers/corpus.ts';
import { type LateGreeter, startLateGreeter } from '../helpers/late-greeter.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';

const POP3 = corpusFile('zeek_pop3.pcap');
const GREETING_DELAY_MS = 150;

describe('socket replay of a server-speaks-first protocol', () => {
  let server: LateGreeter;
  before(async () => {
    server = await startLateGreeter({ delayMs: GREETING_DELAY_MS });
  });
  after(() => server.close());

  it('waits for each connection’s greeting before its first command, even at --speed max', async () => {
    const sessions = (await capturedSessions(POP3)).filter((s) => s.server.port === 110);
    const greeted = sessions.filter((s) => s.greetingBytes > 0 && s.requests.length > 0);
    assert.ok(greeted.length >= 4, `the capture greets in ${greeted.length} sessions`);
    const { report } = await replay(replayConfig([POP3], server.port, 110), capturedOutput());

    for (const session of greeted) {
      const result = report.sessions.find((r) => r.sessionId === session.id);
      assert.equal(result?.outcome, 'completed', `session ${session.id}: ${result?.reason}`);
      const conn = server.connections.find((c) => c.remote === result?.replayedFrom);
      assert.ok(conn?.greetedAtMs !== undefined && conn.firstByteAtMs !== undefined, `session ${session.id}`);
      assert.ok(
        conn.firstByteAtMs >= conn.greetedAtMs,
        `session ${session.id}: first command ${(conn.greetedAtMs - conn.firstByteAtMs).toFixed(1)} ms before the greeting`,
      );
      assert.ok(
        Buffer.concat(conn.bytes).equals(clientBytes(session)),
        `session ${session.id}: every command, in order`,
      );
    }
  });

  it('a target closing each connection after one answer greets every new one, and gets each command after it', async () => {
    const closer = await startLateGreeter({ delayMs: 20, closeAfterAnswer: true });
    try {
      const sessions = (await capturedSessions(POP3)).filter((s) => s.server.port === 110);
      const { report } = await replay(replayConfig([POP3], closer.port, 110), capturedOutput());
      const greeted = sessions.filter((s) => s.greetingBytes > 0 && s.requests.length > 0);
      for (const session of greeted) {
        const result = report.sessions.find((r) => r.sessionId === session.id);
        assert.equal(result?.outcome, 'completed', `session ${session.id}: ${result?.reason}`);
        assert.equal(
          result?.requests.filter((r) => r.firstByteMs !== undefined).length,
          session.requests.length,
        );
      }
      // One new connection per command after the first; a command may also go out on a connection
      // the target is closing (its FIN not in yet), get no answer, and go again on the next one.
      const reconnects = report.sessions.reduce((sum, s) => sum + (s.reconnects ?? 0), 0);
      const commandsAfterTheFirst = greeted.reduce((sum, s) => sum + s.requests.length - 1, 0);
      assert.ok(
        reconnects >= commandsAfterTheFirst && reconnects <= 2 * commandsAfterTheFirst,
        `${reconnects} reconnects for ${commandsAfterTheFirst} commands after the first (each at most twice)`,
      );
      const used = closer.connections.filter((c) => c.firstByteAtMs !== undefined);
      for (const conn of used) {
        assert.ok(
          conn.greetedAtMs !== undefined && conn.firstByteAtMs! >= conn.greetedAtMs,
          'a command before the greeting',
        );
      }
      const lines = (bytes: Buffer) => bytes.toString('latin1').split('\r\n').slice(0, -1);
      const answered = used.map((c) => lines(Buffer.concat(c.bytes))[0]).sort();
      const captured = greeted.flatMap((s) => s.requests.map((r) => lines(r.data)[0])).sort();
      assert.deepEqual(answered, captured, 'every request answered once, each on a connection of its own');
    } finally {
      await closer.close();
    }
  });
});
