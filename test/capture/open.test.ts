import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32, gzipSync } from 'node:zlib';
import { CaptureError, forEachRecord, openCapture } from '../../src/capture/index.ts';
import { epb, idb, pcapFile, type ReadBack, readBack, shb, TempDir } from './build.ts';

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

  describe('gzip members and what follows them', () => {
    const plain = pcapFile(packets);
    const GARBAGE =
      'trailing garbage after the gzip data, from this offset in the compressed file: ignored, as gzip -d does';
    /** The capture cut in three, each part its own gzip member (as `cat a.gz b.gz` makes). */
    const members = Buffer.concat(
      [plain.subarray(0, 100), plain.subarray(100, 700), plain.subarray(700)].map((part) => gzipSync(part)),
    );

    async function readsAll(path: string): Promise<ReadBack['reader']> {
      let last: ReadBack['reader'] | undefined;
      for (const chunkBytes of [undefined, 10]) {
        const { reader, records } = await readBack(path, { chunkBytes });
        assert.equal(records.length, 50);
        assert.ok(records.every((r, i) => r.data.equals(packets[i].data)));
        assert.equal(reader.bytesRead, reader.fileSize);
        last = reader;
      }
      return last as ReadBack['reader'];
    }

    it('reads every member of a concatenated gzip file', async () => {
      assert.deepEqual((await readsAll(tmp.file(members))).warnings, []);
    });

    it('reads the records before trailing garbage and warns at its compressed offset', async () => {
      for (const data of [gzipSync(plain), members]) {
        const path = tmp.file(Buffer.concat([data, Buffer.from('\n-- not gzip --\n')]));
        const reader = await readsAll(path);
        assert.deepEqual(reader.warnings, [
          { file: path, kind: 'gzip-trailing-garbage', offset: data.length, problem: GARBAGE },
        ]);
      }
    });

    it('skips zero padding after the last member without a word, but not garbage after the zeros', async () => {
      const padded = Buffer.concat([members, Buffer.alloc(4096)]);
      assert.deepEqual((await readsAll(tmp.file(padded))).warnings, []);
      const path = tmp.file(Buffer.concat([padded, Buffer.from([7])]));
      assert.deepEqual((await readsAll(path)).warnings, [
        { file: path, kind: 'gzip-trailing-garbage', offset: members.length, problem: GARBAGE },
      ]);
    });

    it('reads members with a file name, comment, extra field and header CRC', async () => {
      const deflated = gzipSync(plain).subarray(10);
      const fields = Buffer.concat([
        Buffer.from([4, 0, 0x41, 0x42, 0x43, 0x44]),
        Buffer.from('capture.pcap\0comment\0'),
      ]);
      const head = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3]), fields]);
      const headerCrc = Buffer.alloc(2);
      headerCrc.writeUInt16LE(crc32(head) & 0xffff);
      const path = tmp.file(Buffer.concat([head, headerCrc, deflated, Buffer.from('junk')]));
      const reader = await readsAll(path);
      assert.equal(reader.warnings[0]?.offset, head.length + 2 + deflated.length);
    });

    it('still refuses corrupt data inside a later member, a bad checksum and a bad member header', async () => {
      const firstTwo = gzipSync(plain.subarray(0, 100)).length + gzipSync(plain.subarray(100, 700)).length;
      const corrupt = Buffer.from(members);
      corrupt.fill(0x55, firstTwo + 15, firstTwo + 60);
      await assert.rejects(readBack(tmp.file(corrupt)), (error: unknown) => {
        assert.ok(error instanceof CaptureError);
        assert.match(
          error.problem,
          new RegExp(`^gzip data is corrupt: .* \\(the member at byte ${firstTwo} `),
        );
        return true;
      });
      const badCrc = Buffer.from(members);
      badCrc[badCrc.length - 8] ^= 0xff;
      await assert.rejects(readBack(tmp.file(badCrc)), /gzip data is corrupt: incorrect data check/);
      const badMethod = Buffer.concat([members, Buffer.from([0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3])]);
      await assert.rejects(
        readBack(tmp.file(badMethod)),
        /gzip data is corrupt: unknown compression method 7/,
      );
    });

    it('warns that the data ends early when the file stops inside a member header or trailer', async () => {
      for (const cut of [members.length - 3, members.length + 1]) {
        const data =
          cut > members.length ? Buffer.concat([members, Buffer.from([0x1f])]) : members.subarray(0, cut);
        const { reader } = await readBack(tmp.file(data));
        assert.deepEqual(
          reader.warnings.map((w) => w.problem),
          ['gzip data ends early (the compressed file is truncated)'],
        );
      }
    });
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
