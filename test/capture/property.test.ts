/** Property tests: round trips through the writer, and a reader that fails only one way. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { CaptureError, createPcapWriter, openCapture } from '../../src/capture/index.ts';
import { splitTimestamp } from '../../src/capture/timestamp.ts';
import { epb, idb, obsoletePb, option, pcapFile, readBack, shb, spb, TempDir } from './build.ts';

const tmp = new TempDir();
after(() => tmp.remove());

const record = fc.record({
  tsSec: fc.integer({ min: 0, max: 0xffffffff }),
  tsNsec: fc.integer({ min: 0, max: 999_999_999 }),
  data: fc.uint8Array({ minLength: 0, maxLength: 2000 }),
  extra: fc.nat({ max: 70000 }),
});

describe('capture properties', () => {
  it('write -> read returns every record (µs and ns, any chunk size)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 40 }),
        fc.boolean(),
        fc.constantFrom(1, 13, 100, 4096, undefined),
        async (records, nanosecond, chunkBytes) => {
          const path = tmp.file(Buffer.alloc(0));
          const writer = createPcapWriter(path, { linkType: 1, nanosecond, bufferBytes: 512 });
          for (const r of records) writer.write(r.tsSec, r.tsNsec, r.data, r.data.length + r.extra);
          await writer.close();
          const { reader, records: read } = await readBack(path, { chunkBytes });
          assert.deepEqual(reader.warnings, []);
          assert.deepEqual(
            read.map((r) => [r.tsSec, r.tsNsec, r.originalLength, r.data.toString('hex')]),
            records.map((r) => [
              r.tsSec,
              nanosecond ? r.tsNsec : Math.floor(r.tsNsec / 1000) * 1000,
              r.data.length + r.extra,
              Buffer.from(r.data).toString('hex'),
            ]),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('splits 64-bit timestamps exactly for any resolution', () => {
    const out = { sec: 0, nsec: 0 };
    const resolution = fc.oneof(
      fc.integer({ min: 0, max: 19 }).map((n) => Number(`1e${n}`)),
      fc.integer({ min: 0, max: 63 }).map((n) => 2 ** n),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), resolution, (value, units) => {
        splitTimestamp(Number(value >> 32n), Number(value & 0xffffffffn), units, out);
        const bigUnits = BigInt(units);
        const sec = value / bigUnits;
        assert.equal(out.sec, Number(sec));
        if (units <= 2 ** 53)
          assert.equal(out.nsec, Number(((value % bigUnits) * 1_000_000_000n) / bigUnits));
      }),
      { numRuns: 20000 },
    );
  });

  describe('on damaged input the reader ends normally or throws a CaptureError, nothing else', () => {
    const RECORD_LIMIT = 100_000;
    const payloads = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 });

    function validFile(kind: number, datas: Uint8Array[]): Buffer {
      const packets = datas.map((d, i) => ({ tsSec: i, tsNsec: i, data: Buffer.from(d) }));
      if (kind < 2) return pcapFile(packets, { le: kind === 0, nano: kind === 1, snapLength: 256 });
      const le = kind === 2;
      const blocks = [shb(le), idb(le, 1, 128, [option(9, Buffer.from([9]), le)])];
      packets.forEach((p, i) => {
        blocks.push(
          i % 3 === 0
            ? epb(le, 0, BigInt(i), p.data)
            : i % 3 === 1
              ? spb(le, p.data.length, p.data)
              : obsoletePb(le, 0, 5n, p.data),
        );
      });
      return Buffer.concat(blocks);
    }

    const damage = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        bit: fc.nat({ max: 7 }),
        count: fc.integer({ min: 1, max: 8 }),
      }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('garbage' as const),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 400 }),
      }),
      fc.record({
        kind: fc.constant('append' as const),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 400 }),
        member: fc.boolean(),
      }),
    );

    function apply(bytes: Buffer, d: DamageSpec): Buffer {
      if (d.kind === 'truncate') return bytes.subarray(0, d.at % (bytes.length + 1));
      // Bytes after the end (gzip: trailing garbage), or a second gzip member of them.
      if (d.kind === 'append')
        return Buffer.concat([bytes, d.member ? gzipSync(d.bytes) : Buffer.from(d.bytes)]);
      if (d.kind === 'garbage') {
        const headerLength = bytes.readUInt32LE(0) === 0x0a0d0d0a ? 28 : 24;
        return Buffer.concat([bytes.subarray(0, headerLength), Buffer.from(d.bytes)]);
      }
      const copy = Buffer.from(bytes);
      for (let i = 0; i < d.count; i++) {
        const at = (d.at * (i + 1) * 7919) % copy.length;
        copy[at] ^= 1 << d.bit;
      }
      return copy;
    }

    async function readDamaged(path: string, chunkBytes: number): Promise<void> {
      let count = 0;
      try {
        const reader = await openCapture(path, { chunkBytes });
        for await (const cursor of reader.batches()) {
          for (let r = cursor.next(); r !== null; r = cursor.next()) {
            assert.ok(r.offset + r.capturedLength <= r.buf.length, 'record bytes lie inside the buffer');
            if (++count > RECORD_LIMIT) assert.fail('more records than the file can hold');
          }
        }
      } catch (error) {
        if (!(error instanceof CaptureError)) throw error;
      }
    }

    for (const [name, gzip] of [
      ['plain', false],
      ['gzip', true],
    ] as const) {
      it(name, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 0, max: 3 }),
            payloads,
            damage,
            fc.constantFrom(16, 64, 4096),
            async (kind, datas, d, chunkBytes) => {
              const damaged = gzip
                ? apply(gzipSync(validFile(kind, datas)), d)
                : apply(validFile(kind, datas), d);
              await readDamaged(tmp.file(damaged), chunkBytes);
            },
          ),
          { numRuns: 300 },
        );
      });
    }
  });
});

type DamageSpec =
  | { kind: 'flip'; at: number; bit: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'garbage'; bytes: Uint8Array }
  | { kind: 'append'; bytes: Uint8Array; member: boolean };
