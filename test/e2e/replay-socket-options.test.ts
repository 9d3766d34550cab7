/** Load shaping over the socket transport: --loop, --multiply, --sample, --only-complete, --seed, -x. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import { UserError } from '../../src/util/user-error.ts';
import { CORPUS } from '../helpers/captured.ts';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { syntheticCapture, tempDir } from '../helpers/synthetic.ts';

describe('socket replay options', () => {
  const dir = tempDir();
  let server: RecordingServer;
  let capture: string;
  before(async () => {
    server = await startRecordingServer('http');
    capture = await syntheticCapture(join(dir.path, 'twenty.pcap'), {
      sessions: 20,
      requestsPerSession: 2,
      sessionSpacingMs: 5,
      thinkTimeMs: 5,
    });
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  it('--loop 2 replays the capture twice, one loop after the other', async () => {
    const { report } = await replay(replayConfig([capture], server.port, 80, { loop: 2 }), capturedOutput());
    assert.equal(report.totals.sessions.completed, 40);
    assert.deepEqual([...new Set(report.sessions.map((s) => s.loop))].sort(), [0, 1]);
    assert.equal(report.totals.requests.answered, 80);
  });

  it('--multiply 3 replays each session three times', async () => {
    server.connections.length = 0;
    const { report } = await replay(
      replayConfig([capture], server.port, 80, { multiply: 3 }),
      capturedOutput(),
    );
    assert.equal(report.totals.sessions.completed, 60);
    assert.equal(server.connections.length, 60);
  });

  it('--sample picks the same sessions for the same seed, other ones for another seed', async () => {
    const pick = async (seed: number) =>
      (
        await replay(replayConfig([capture], server.port, 80, { samplePercent: 50, seed }), capturedOutput())
      ).report.sessions
        .map((s) => s.sessionId)
        .sort((a, b) => a - b);
    const first = await pick(1);
    assert.ok(first.length > 3 && first.length < 17, `about half of 20 sessions, got ${first.length}`);
    assert.deepEqual(await pick(1), first);
    assert.notDeepEqual(await pick(2), first);
  });

  it('--only-complete sends the sessions whose handshake was captured, and not the others, saying why', async () => {
    const captures = [`${CORPUS}zeek_http_get.pcap`, `${CORPUS}zeek_http_get_nosyn.pcap`];
    const { report } = await replay(
      replayConfig(captures, server.port, 80, { onlyComplete: true, concurrency: 1 }),
      capturedOutput(),
    );
    assert.equal(report.sessions.length, 2);
    const [withSyn, withoutSyn] = report.sessions;
    assert.deepEqual([withSyn.capture, withoutSyn.capture], [undefined, 1], 'which capture each came from');
    assert.equal(withSyn.outcome, 'completed', withSyn.reason);
    assert.equal(withSyn.requests.length, 1);
    assert.equal(withoutSyn.outcome, 'not-replayable');
    assert.match(withoutSyn.reason ?? '', /no handshake/);
    assert.equal(report.totals.requests.sent, 1);
  });

  it('a transfer map that selects no session is an error naming the ports the capture has', async () => {
    const out = capturedOutput();
    await assert.rejects(
      replay(replayConfig([capture], server.port, 8080, { loop: 2 }), out),
      (err: Error) =>
        err instanceof UserError &&
        /^-x 8080-127\.0\.0\.1:\d+ selected none of the capture's 20 TCP sessions; server ports of the sessions left out: 80 \(20 sessions\)$/.test(
          err.message,
        ),
    );
    assert.doesNotMatch(out.text(), /sessions {2}0 planned/, 'no summary of a run that replayed nothing');
  });

  it('an entry of the transfer map that selects nothing while others do gets a warning', async () => {
    const config = replayConfig([capture], server.port, 80);
    config.transfers.push({ sourcePort: 8080, target: { ip: '127.0.0.1', port: 9 } });
    const out = capturedOutput();
    const { report } = await replay(config, out);
    assert.equal(report.sessions.length, 20);
    assert.match(
      out.text(),
      /reprise: warning: -x '8080-127\.0\.0\.1:9' selected no captured session; every session went to another entry/,
    );
    assert.deepEqual(report.targets, [`127.0.0.1:${server.port}`], 'only where sessions went');
  });
});
