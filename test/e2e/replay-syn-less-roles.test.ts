/**
 * A capture that began after its connections opened (no SYN, no SYN-ACK) gives no sign of which
 * side is the client but the ports. A service on a high port (40000) above its clients' (20000+)
 * must still be replayed, client to server, when -x names its port.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TcpFlag } from '../../src/packet/view.ts';
import { replay } from '../../src/replay/replay.ts';
import { syntheticHttpTraffic } from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const SERVER_PORT = 40_000;
const TCP_FLAGS_OFFSET = 14 + 20 + 13;

describe('replay of SYN-less sessions whose server port is above the client ports', () => {
  let dir: { path: string; cleanup: () => void };
  let target: RecordingServer;
  before(async () => {
    dir = tempDir('rp-synless-');
    target = await startRecordingServer();
  });
  after(async () => {
    await target?.close();
    dir?.cleanup();
  });

  it('takes -x as naming the server side, and sends every captured request', async () => {
    const packets = [
      ...syntheticHttpTraffic({
        sessions: 3,
        requestsPerSession: 2,
        sessionSpacingMs: 10,
        thinkTimeMs: 5,
        serverLatencyMs: 1,
        rttMs: 1,
        serverPort: SERVER_PORT,
      }),
    ].filter((p) => !(p.frame[TCP_FLAGS_OFFSET] & TcpFlag.SYN));
    const capture = join(dir.path, 'synless.pcap');
    await writeSyntheticCapture(capture, packets);
    const { report } = await replay(replayConfig([capture], target.port, SERVER_PORT), capturedOutput());
    assert.equal(report.totals.sessions.planned, 3);
    assert.equal(report.totals.requests.sent, 6);
    const firstLines = target.connections.map(
      (c) => Buffer.concat(c.bytes).toString('latin1').split('\r\n')[0],
    );
    assert.equal(firstLines.length, 3);
    for (const line of firstLines) assert.match(line, /^GET \S+ HTTP\/1\.1$/);
  });
});
