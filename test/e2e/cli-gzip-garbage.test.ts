/** A gzip capture with trailing garbage replays and inspects like one with a truncated last record. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runCli } from '../helpers/cli.ts';
import { corpusFile } from '../helpers/corpus.ts';

describe('gzip capture with trailing garbage (CLI)', () => {
  let dir: string;
  let garbled: string;
  let truncated: string;
  let garbageAt: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rp-gzip-garbage-'));
    const capture = await readFile(corpusFile('zeek_http_bro.org.pcap'));
    const compressed = gzipSync(capture);
    garbageAt = compressed.length;
    garbled = join(dir, 'garbled.pcap.gz');
    await writeFile(garbled, Buffer.concat([compressed, Buffer.from('appended by mistake\n')]));
    truncated = join(dir, 'truncated.pcap');
    await writeFile(truncated, capture.subarray(0, capture.length - 10));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('inspect reads every record and exits as it does for a truncated record', async () => {
    const [cut, garbage] = await Promise.all([runCli(['inspect', truncated]), runCli(['inspect', garbled])]);
    assert.equal(cut.code, 0, cut.stderr);
    assert.equal(garbage.code, cut.code, garbage.stderr);
    assert.match(garbage.stdout, new RegExp(`at byte ${garbageAt}: trailing garbage after the gzip data`));
    const packets = (run: { stdout: string }) => run.stdout.match(/^packets\s+(\d+)/m)?.[1];
    const plain = await runCli(['inspect', corpusFile('zeek_http_bro.org.pcap')]);
    assert.equal(packets(garbage), packets(plain));
  });

  it('replay names the file and the compressed offset in its warning', async () => {
    const args = ['-x', '80-127.0.0.1:9', '--speed', 'max', '--no-tui'];
    const [cut, garbage] = await Promise.all([
      runCli(['replay', truncated, ...args]),
      runCli(['replay', garbled, ...args]),
    ]);
    assert.equal(cut.code, 0, cut.stderr);
    assert.equal(garbage.code, cut.code, garbage.stderr);
    assert.match(
      garbage.stderr,
      new RegExp(`reprise: warning: ${garbled}: at byte ${garbageAt}: trailing garbage after the gzip data`),
    );
  });
});
