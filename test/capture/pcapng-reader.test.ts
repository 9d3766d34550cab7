import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CaptureError } from '../../src/capture/index.ts';
import { block, epb, idb, obsoletePb, option, readBack, shb, spb, TempDir } from './build.ts';

const tmp = new TempDir();
after(() => tmp.remove());

const data = (text: string): Buffer => Buffer.from(text);
const tsresol = (value: number, le: boolean): Buffer => option(9, Buffer.from([value]), le);

function captureError(offset: number, problem: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof CaptureError, `expected a CaptureError, got ${String(error)}`);
    assert.match(error.problem, problem);
    assert.equal(error.offset, offset);
    return true;
  };
}

describe('pcapng reader', () => {
  it('reads several sections, each in its own byte order, with their own interfaces', async () => {
    const file = Buffer.concat([
      shb(false),
      idb(false, 1, 0, [option(2, data('eth0'), false)]),
      idb(false, 101, 1500, [tsresol(9, false)]),
      epb(false, 1, 1700000000_123456789n, data('raw ip in ns')),
      epb(false, 0, 1700000000_000001n, data('ethernet in us'), 60),
      shb(true),
      idb(true, 276, 262144, [tsresol(3, true)]),
      epb(true, 0, 1700000000_999n, data('sll2 in ms')),
    ]);
    for (const chunkBytes of [undefined, 5, 13]) {
      const { reader, records } = await readBack(tmp.file(file), { chunkBytes });
      assert.equal(reader.format, 'pcapng');
      assert.deepEqual(reader.interfaces, [
        { linkType: 1, snapLength: 0, tsUnitsPerSecond: 1e6, name: 'eth0' },
        { linkType: 101, snapLength: 1500, tsUnitsPerSecond: 1e9 },
        { linkType: 276, snapLength: 262144, tsUnitsPerSecond: 1e3 },
      ]);
      assert.deepEqual(
        records.map((r) => [
          r.index,
          r.interfaceId,
          r.linkType,
          r.tsSec,
          r.tsNsec,
          r.originalLength,
          r.data.toString(),
        ]),
        [
          [0, 1, 101, 1700000000, 123456789, 12, 'raw ip in ns'],
          [1, 0, 1, 1700000000, 1000, 60, 'ethernet in us'],
          [2, 2, 276, 1700000000, 999000000, 10, 'sll2 in ms'],
        ],
      );
      assert.deepEqual(reader.warnings, []);
    }
  });

  it('reads power-of-two resolutions and applies if_tsoffset', async () => {
    const le = true;
    const offset = Buffer.alloc(8);
    offset.writeBigInt64LE(-100n);
    const file = Buffer.concat([
      shb(le),
      idb(le, 1, 0, [tsresol(0x80 | 20, le), option(14, offset, le)]),
      // 2^20 units per second: 5.5 seconds
      epb(le, 0, 5n * 1048576n + 524288n, data('x')),
    ]);
    const { reader, records } = await readBack(tmp.file(file));
    assert.equal(reader.interfaces[0].tsUnitsPerSecond, 1048576);
    assert.deepEqual([records[0].tsSec, records[0].tsNsec], [5 - 100, 500000000]);
  });

  it('derives a simple packet block captured length from the interface 0 snap length', async () => {
    const le = false;
    const file = Buffer.concat([
      shb(le),
      idb(le, 1, 8),
      spb(le, 20, Buffer.alloc(12, 0xaa)), // cut by the snap length: 8 of 20 bytes
      spb(le, 3, Buffer.alloc(4, 0xbb)), // padding beyond the original length is not data
      epb(le, 0, 5_000_001n, Buffer.alloc(1)),
      spb(le, 1, Buffer.alloc(4, 0xcc)), // no time of its own: the packet's before it
    ]);
    const { records } = await readBack(tmp.file(file));
    assert.deepEqual(
      records.map((r) => [r.data.toString('hex'), r.originalLength, r.tsSec, r.tsNsec, r.untimed]),
      [
        ['aaaaaaaaaaaaaaaa', 20, 0, 0, true],
        ['bbbbbb', 3, 0, 0, true],
        ['00', 1, 5, 1000, false],
        ['cc', 1, 5, 1000, true],
      ],
    );
  });

  it('reads obsolete packet blocks and skips unknown blocks by their length', async () => {
    const le = true;
    const file = Buffer.concat([
      shb(le, Buffer.concat([option(4, data('reprise test'), le), option(0, Buffer.alloc(0), le)])),
      idb(le, 1, 0),
      block(4, Buffer.alloc(16, 1), le), // name resolution
      block(0x00000bad, Buffer.alloc(9, 2), le), // custom
      obsoletePb(le, 0, 2_500000n, data('old style')),
      block(5, Buffer.alloc(20, 3), le), // interface statistics
      block(0x0000000a, Buffer.alloc(40, 4), le), // decryption secrets
      epb(le, 0, 3_000000n, data('new style')),
    ]);
    const { records } = await readBack(tmp.file(file), { chunkBytes: 16 });
    assert.deepEqual(
      records.map((r) => [r.tsSec, r.tsNsec, r.data.toString()]),
      [
        [2, 500000000, 'old style'],
        [3, 0, 'new style'],
      ],
    );
  });

  it('warns about a truncated final block and keeps the packets before it', async () => {
    const le = true;
    const head = Buffer.concat([shb(le), idb(le, 1, 0), epb(le, 0, 1n, data('kept'))]);
    const last = epb(le, 0, 2n, Buffer.alloc(42));
    const { reader, records } = await readBack(tmp.file(Buffer.concat([head, last.subarray(0, 40)])));
    assert.equal(records.length, 1);
    assert.deepEqual(reader.warnings, [
      {
        file: reader.file,
        kind: 'truncated-record',
        offset: head.length,
        problem: `truncated enhanced packet block at end of file: 40 of ${last.length} bytes`,
      },
    ]);
    const short = await readBack(tmp.file(Buffer.concat([head, last.subarray(0, 6)])));
    assert.equal(short.records.length, 1);
    assert.equal(short.reader.warnings[0].problem, 'truncated block header at end of file: 6 of 12 bytes');
  });

  it('refuses a file cut inside its section header block, which leaves nothing usable', async () => {
    const header = shb(true);
    for (const length of [4, 11, 12, header.length - 1]) {
      const problem =
        length < 12
          ? `truncated block header at end of file: ${length} of 12 bytes`
          : `truncated section header block at end of file: ${length} of ${header.length} bytes`;
      await assert.rejects(
        readBack(tmp.file(header.subarray(0, length))),
        captureError(0, new RegExp(`^${problem}$`)),
      );
    }
    const { records } = await readBack(tmp.file(header));
    assert.equal(records.length, 0, 'a whole section header block alone is an empty capture');
  });

  describe('rejects corrupt lengths with the offset of the block', () => {
    const le = true;
    const head = Buffer.concat([shb(le), idb(le, 1, 0)]);
    const at = head.length;
    const corrupt = async (tail: Buffer, problem: RegExp, offset = at): Promise<void> => {
      await assert.rejects(readBack(tmp.file(Buffer.concat([head, tail]))), captureError(offset, problem));
    };
    const withLength = (bytes: Buffer, length: number): Buffer => {
      const copy = Buffer.from(bytes);
      copy.writeUInt32LE(length, 4);
      return copy;
    };
    const good = epb(le, 0, 1n, data('abcd'));

    it('below the minimum block size', () =>
      corrupt(withLength(good, 8), /^pcapng enhanced packet block length 8 is below the minimum 32$/));
    it('below 12 for any block', () =>
      corrupt(
        withLength(block(77, Buffer.alloc(4), le), 4),
        /^pcapng block length 4 is below the minimum 12$/,
      ));
    it('not a multiple of 4', () =>
      corrupt(withLength(good, 34), /^pcapng enhanced packet block length 34 is not a multiple of 4$/));
    it('a huge length', () =>
      corrupt(
        withLength(good, 0xfffffff0),
        /^pcapng enhanced packet block length 4294967280 exceeds the 268435456-byte limit$/,
      ));
    it('a trailing copy that differs', () => {
      const bad = Buffer.from(good);
      bad.writeUInt32LE(999, bad.length - 4);
      return corrupt(bad, /^pcapng block length 36 does not match its trailing copy 999$/);
    });
    it('a caplen beyond the block', () => {
      const bad = Buffer.from(good);
      bad.writeUInt32LE(17, 20);
      return corrupt(bad, /^enhanced packet block caplen 17 exceeds the block's 4 data bytes$/);
    });
    it('an interface id out of range', () =>
      corrupt(
        epb(le, 1, 1n, data('x')),
        /^packet on interface 1, but the section has only 1 interface\(s\)$/,
      ));
    it('a packet before any interface', async () => {
      const file = Buffer.concat([shb(le), spb(le, 1, data('x'))]);
      await assert.rejects(
        readBack(tmp.file(file)),
        captureError(28, /^packet on interface 0, but the section has no interface description block yet$/),
      );
    });
    it('an option longer than its block', () => {
      const bad = Buffer.from(idb(le, 1, 0, [option(2, data('eth0'), le)]));
      bad.writeUInt16LE(200, 18);
      return corrupt(
        bad,
        /^interface option 2 length 200 overruns the interface description block$/,
        at + 16,
      );
    });
    it('a bad byte-order magic in a later section', () => {
      const bad = Buffer.from(shb(le));
      bad.writeUInt32LE(0x12345678, 8);
      return corrupt(bad, /^pcapng section header byte-order magic is 0x12345678/, at + 8);
    });
    it('an unsupported version', () => {
      const bad = Buffer.from(shb(le));
      bad.writeUInt16LE(2, 12);
      return corrupt(bad, /^unsupported pcapng version 2\.0/, at + 12);
    });
  });
});
