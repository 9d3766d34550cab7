/**
 * A recording rotated by `reprise record -C` into several files while one client kept its
 * connection open, replayed by giving every file in order: the session the cuts fell in is one
 * session, replayed on one connection with every request, as from the merged file.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replay } from '../../src/replay/replay.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { recordCurl } from '../helpers/record-loopback.ts';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const skip = process.getuid?.() !== 0 ? 'recording on lo needs root (libpcap)' : false;
if (skip) console.log(`# skipped: rotated recording replayed whole: ${skip}`);

const PATHS = Array.from({ length: 20 }, (_, i) => `/item/${i}`);

describe('replaying the files of a rotated recording, in order', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let origin: RecordingServer;
  let target: RecordingServer;
  before(async () => {
    dir = tempDir('rp-rotated-');
    [origin, target] = await Promise.all([startRecordingServer(), startRecordingServer()]);
  });
  after(async () => {
    await Promise.all([origin?.close(), target?.close()]);
    dir.cleanup();
  });

  it('replays the connection the rotation cut as one session, with every request', async () => {
    await recordCurl(join(dir.path, 'rec.pcap'), origin.port, PATHS, ['-C', '0.002']);
    const files = readdirSync(dir.path)
      .filter((f) => f.endsWith('.pcap'))
      .sort()
      .map((f) => join(dir.path, f));
    assert.ok(files.length >= 3, `the recording was rotated into ${files.length} files`);
    const perFile = await Promise.all(files.map(capturedSessions));
    assert.ok(
      perFile.filter((sessions) => sessions.length > 0).length >= 2,
      'the connection spans several files',
    );

    const { report } = await replay(replayConfig(files, target.port, origin.port), capturedOutput());
    assert.equal(report.sessions.length, 1, 'one captured connection, one session');
    const [session] = report.sessions;
    assert.equal(session.outcome, 'completed', session.reason);
    assert.equal(session.requests.length, PATHS.length);
    assert.equal(target.connections.length, 1, 'replayed on one connection');
    const sent = Buffer.concat(target.connections[0].bytes).toString('latin1');
    assert.deepEqual(
      [...sent.matchAll(/^GET (\S+) HTTP/gm)].map((m) => m[1]),
      PATHS,
    );
  });
});
