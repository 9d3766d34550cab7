import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CaptureError, forEachRecord, openCapture } from '../../src/capture/index.ts';
import { epb, idb, pcapFile, readBack, shb, TempDir } from './build.ts';

const tmp = new TempDir();
after(() => tmp.remove());

function fileError(path: string, offset: number, problem: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof CaptureError, `expected a CaptureError, got ${String(error)}`);
    assert.deepEqual([error.file, error.offset, error.problem], [path, offset, problem]);
    return true;
  };
}

const packets = Array.from({ length: 50 }, (_, i) => ({
  tsSec: i,
  tsNsec: i * 1000,
  data: Buffer.alloc(i, i),
}));

describe('openCapture', () => {
  it('names a missing file', async () => {
    const path = join(tmp.path, 'missing.pcap');
    await assert.rejects(openCapture(path), fileError(path, -1, 'no such file'));
    const message = await openCapture(path).then(
      () => 'opened',
      (error: Error) => error.message,
    );
    assert.equal(message, `${path}: no such file`);
  });

  it('refuses a directory', async () => {
    const path = join(tmp.path, 'dir.pcap');
    mkdirSync(path);
    await assert.rejects(openCapture(path), fileError(path, -1, 'is a directory, not a capture file'));
  });

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const path = join(tmp.path, 'fifo.pcap');
    execFileSync('mkfifo', [path]);
    const waited = new Promise<string>((resolve) =>
      setTimeout(() => resolve('still waiting after 2 s'), 2000).unref(),
    );
    const outcome = await Promise.race([
      openCapture(path).then(
        () => 'opened',
        (error: unknown) => (error instanceof CaptureError ? error.problem : String(error)),
      ),
      waited,
    ]);
    assert.equal(outcome, 'is not a regular file');
  });

  it('refuses an empty file', async () => {
    const path = tmp.file(Buffer.alloc(0));
    await assert.rejects(openCapture(path), fileError(path, -1, 'not a capture file: the file is empty'));
  });

  it('refuses a file that is not a capture, showing its first bytes', async () => {
    const path = tmp.file(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), 'capture.pcap');
    await assert.rejects(
      openCapture(path),
      fileError(path, 0, 'not a capture file: first bytes 7f 45 4c 46 are neither a pcap nor a pcapng magic'),
    );
    const tiny = tmp.file('ab');
    await assert.rejects(openCapture(tiny), fileError(tiny, 0, 'not a capture file: only 2 byte(s)'));
  });

  it('detects the format by magic, whatever the name says', async () => {
    const pcapng = Buffer.concat([shb(true), idb(true, 1, 0), epb(true, 0, 1n, Buffer.from('x'))]);
    const { reader } = await readBack(tmp.file(pcapng, 'looks-like.pcap'));
    assert.equal(reader.format, 'pcapng');
    const { reader: other } = await readBack(tmp.file(pcapFile(packets), 'looks-like.pcapng.gz'));
    assert.deepEqual([other.format, other.compressed], ['pcap', false]);
  });

  it('reads gzip-compressed pcap and pcapng transparently', async () => {
    const plain = pcapFile(packets, { nano: true });
    const path = tmp.file(gzipSync(plain), 'no-extension');
    for (const chunkBytes of [undefined, 10]) {
      const { reader, records } = await readBack(path, { chunkBytes });
      assert.deepEqual([reader.format, reader.compressed, records.length], ['pcap', true, 50]);
      assert.ok(records.every((r, i) => r.tsNsec === i * 1000 && r.data.equals(packets[i].data)));
      assert.equal(reader.bytesRead, reader.fileSize);
      assert.deepEqual(reader.warnings, []);
    }
    const pcapng = Buffer.concat([shb(false), idb(false, 1, 0), epb(false, 0, 7n, Buffer.from('y'))]);
    const summary = await forEachRecord(tmp.file(gzipSync(pcapng)), () => {});
    assert.deepEqual([summary.format, summary.compressed, summary.records], ['pcapng', true, 1]);
  });

  it('warns about a truncated gzip file and keeps the records before the cut', async () => {
    const compressed = gzipSync(pcapFile(packets), { level: 0 });
    const path = tmp.file(compressed.subarray(0, compressed.length - 300));
    const { reader, records } = await readBack(path);
    assert.ok(records.length > 10 && records.length < 50, `${records.length} records`);
    assert.ok(records.every((r, i) => r.data.equals(packets[i].data)));
    assert.equal(reader.warnings[0].problem, 'gzip data ends early (the compressed file is truncated)');
  });

  it('refuses corrupt gzip data and gzip that holds no capture', async () => {
    const compressed = gzipSync(pcapFile(packets));
    compressed.fill(0x55, 20, 60);
    const path = tmp.file(compressed);
    await assert.rejects(readBack(path), (error: unknown) => {
      assert.ok(error instanceof CaptureError);
      assert.match(error.problem, /^gzip data is corrupt: /);
      return true;
    });
    const text = tmp.file(gzipSync('hello world'));
    await assert.rejects(
      openCapture(text),
      fileError(
        text,
        0,
        'not a capture file: gzip-compressed, but the first bytes inside 68 65 6c 6c are neither a pcap nor a pcapng magic',
      ),
    );
  });

  it('reports progress in file bytes and closes the file when iteration stops early', async () => {
    const path = tmp.file(pcapFile(packets));
    const reader = await openCapture(path, { chunkBytes: 100 });
    let seen = 0;
    for await (const cursor of reader.batches()) {
      if (cursor.next() !== null) seen++;
      if (seen === 3) break;
    }
    assert.ok(reader.bytesRead > 0 && reader.bytesRead < reader.fileSize);
    await reader.close();
  });
});
