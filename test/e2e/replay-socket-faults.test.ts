/**
 * Faulty targets: the run always finishes, every planned session has an outcome, and the
 * report says why.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import type { SessionOutcome } from '../../src/report/outcome.ts';
import { type FaultMode, startRecordingServer, unusedPort } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { syntheticCapture, tempDir } from '../helpers/synthetic.ts';

const cases: Array<{ mode: FaultMode | 'refuse'; outcome: SessionOutcome; reason: RegExp }> = [
  { mode: 'reset', outcome: 'reset-by-target', reason: /reset/ },
  { mode: 'silent', outcome: 'timed-out', reason: /no response to request 0 within 1s/ },
  {
    mode: 'close-after-first',
    outcome: 'closed-early',
    reason: /closed the connection with [12] request\(s\) left/,
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
});
