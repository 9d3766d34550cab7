import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CaptureError, openCapture } from '../../src/capture/index.ts';
import { type Packet, pcapFile, readBack, TempDir } from './build.ts';

const tmp = new TempDir();
after(() => tmp.remove());

const packets: Packet[] = [
  { tsSec: 1700000000, tsNsec: 123456000, data: Buffer.from('first packet') },
  { tsSec: 1700000001, tsNsec: 999999000, data: Buffer.alloc(0), originalLength: 60 },
  { tsSec: 4294967295, tsNsec: 0, data: Buffer.alloc(300, 7), originalLength: 1500 },
];

function captureError(offset: number, problem: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof CaptureError, `expected a CaptureError, got ${String(error)}`);
    assert.match(error.problem, problem);
    assert.equal(error.offset, offset);
    return true;
  };
}

describe('pcap reader', () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      it(`reads ${le ? 'little' : 'big'}-endian ${nano ? 'nanosecond' : 'microsecond'} files`, async () => {
        const nsPackets = packets.map((p, i) => ({ ...p, tsNsec: nano ? p.tsNsec + i + 1 : p.tsNsec }));
        const path = tmp.file(pcapFile(nsPackets, { le, nano, linkType: 113 }));
        const { reader, records } = await readBack(path);
        assert.equal(reader.format, 'pcap');
        assert.deepEqual(reader.interfaces, [
          { linkType: 113, snapLength: 65535, tsUnitsPerSecond: nano ? 1e9 : 1e6 },
        ]);
        assert.deepEqual(
          records.map((r) => [
            r.index,
            r.linkType,
            r.tsSec,
            r.tsNsec,
            r.originalLength,
            r.data.toString('hex'),
          ]),
          nsPackets.map((p, i) => [
            i,
            113,
            p.tsSec,
            p.tsNsec,
            p.originalLength ?? p.data.length,
            p.data.toString('hex'),
          ]),
        );
        assert.deepEqual(
          records.map((r) => r.fileOffset),
          [24, 24 + 16 + 12, 24 + 16 + 12 + 16],
        );
        assert.deepEqual(reader.warnings, []);
      });
    }
  }

  it('masks the FCS bits off the link type', async () => {
    const path = tmp.file(pcapFile(packets, { linkType: 0x10000001 }));
    const { reader } = await readBack(path);
    assert.equal(reader.interfaces[0].linkType, 1);
  });

  it('reads records cut by every chunk boundary', async () => {
    const many: Packet[] = Array.from({ length: 200 }, (_, i) => ({
      tsSec: i,
      tsNsec: i * 1000,
      data: Buffer.alloc(i % 37, i),
    }));
    const path = tmp.file(pcapFile(many));
    for (const chunkBytes of [1, 7, 16, 17, 64, 1000]) {
      const { records, reader } = await readBack(path, { chunkBytes });
      assert.equal(records.length, 200, `chunk ${chunkBytes}`);
      assert.ok(records.every((r, i) => r.tsSec === i && r.data.equals(many[i].data)));
      assert.deepEqual(reader.warnings, []);
    }
  });

  it('hands the rest of a batch out again when the consumer leaves it early', async () => {
    const path = tmp.file(pcapFile(packets));
    const reader = await openCapture(path);
    const seen: number[] = [];
    for await (const cursor of reader.batches()) {
      const record = cursor.next();
      if (record !== null) seen.push(record.index);
    }
    assert.deepEqual(seen, [0, 1, 2]);
    assert.deepEqual(reader.warnings, []);
  });

  it('warns about a truncated final record and keeps the records before it', async () => {
    const full = pcapFile(packets);
    const path = tmp.file(full.subarray(0, full.length - 100));
    const { reader, records } = await readBack(path, { chunkBytes: 64 });
    assert.equal(records.length, 2);
    assert.deepEqual(reader.warnings, [
      {
        file: path,
        kind: 'truncated-record',
        offset: 24 + 28 + 16,
        problem: 'truncated record at end of file: 216 of 316 bytes',
      },
    ]);
  });

  it('warns about a truncated final record header', async () => {
    const full = pcapFile(packets.slice(0, 1));
    const path = tmp.file(Buffer.concat([full, Buffer.alloc(5)]));
    const { reader, records } = await readBack(path);
    assert.equal(records.length, 1);
    assert.equal(reader.warnings[0].problem, 'truncated record header at end of file: 5 of 16 bytes');
    assert.equal(reader.warnings[0].offset, full.length);
  });

  it('rejects a caplen beyond max(snap length, 262144) without allocating it', async () => {
    const bytes = pcapFile([packets[0], packets[0]]);
    bytes.writeUInt32LE(0xffffffff, 24 + 28 + 8);
    const path = tmp.file(bytes);
    const before = process.memoryUsage().arrayBuffers;
    await assert.rejects(
      readBack(path),
      captureError(
        24 + 28,
        /^record caplen 4294967295 exceeds snap length 65535 \(and the 262144-byte limit\)$/,
      ),
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  });

  it('accepts a caplen above the snap length but within 262144, as libpcap does', async () => {
    const path = tmp.file(pcapFile([{ tsSec: 1, tsNsec: 0, data: Buffer.alloc(100) }], { snapLength: 64 }));
    const { records } = await readBack(path);
    assert.equal(records[0].data.length, 100);
  });

  it('honours a snap length above 262144', async () => {
    const big = Buffer.alloc(300000, 1);
    const path = tmp.file(pcapFile([{ tsSec: 1, tsNsec: 0, data: big }], { snapLength: 400000 }));
    const { records } = await readBack(path, { chunkBytes: 4096 });
    assert.ok(records[0].data.equals(big));
  });

  it('rejects a truncated file header and an unknown version', async () => {
    const header = pcapFile([]);
    await assert.rejects(
      readBack(tmp.file(header.subarray(0, 10))),
      captureError(0, /^pcap file header is truncated: 10 of 24 bytes$/),
    );
    const v3 = Buffer.from(header);
    v3.writeUInt16LE(3, 4);
    await assert.rejects(readBack(tmp.file(v3)), captureError(4, /^unsupported pcap version 3\.4/));
  });

  it('reads a file with a header and no records', async () => {
    const { records, reader } = await readBack(tmp.file(pcapFile([])));
    assert.equal(records.length, 0);
    assert.deepEqual(reader.warnings, []);
  });
});
