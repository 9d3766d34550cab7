import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchRecordSize, LiveBatchError, walkBatch } from '../../src/capture/live-batch.ts';
import type { CaptureRecord } from '../../src/capture/record.ts';

interface Packet {
  tsSec: number;
  tsFrac: number;
  data: Buffer;
  originalLength?: number;
}

/** Lays packets out the way native/pcap/reprise_pcap.c does. */
function batchOf(packets: Packet[]): { batch: Buffer; bytes: number } {
  const batch = Buffer.alloc(4096, 0xee);
  let at = 0;
  for (const p of packets) {
    batch.writeUInt32LE(p.tsSec, at);
    batch.writeUInt32LE(p.tsFrac, at + 4);
    batch.writeUInt32LE(p.data.length, at + 8);
    batch.writeUInt32LE(p.originalLength ?? p.data.length, at + 12);
    p.data.copy(batch, at + 16);
    at += batchRecordSize(p.data.length);
  }
  return { batch, bytes: at };
}

function newRecord(batch: Buffer): CaptureRecord {
  return {
    index: 0,
    fileOffset: -1,
    linkType: 1,
    interfaceId: 0,
    tsSec: 0,
    tsNsec: 0,
    capturedLength: 0,
    originalLength: 0,
    buf: batch,
    offset: 0,
  };
}

interface Seen {
  index: number;
  tsSec: number;
  tsNsec: number;
  data: string;
  capturedLength: number;
  originalLength: number;
}

function walk(packets: Packet[], nanosecond = true, firstIndex = 0, stopAfter = Infinity): Seen[] {
  const { batch, bytes } = batchOf(packets);
  const seen: Seen[] = [];
  const handed = walkBatch(
    batch,
    packets.length,
    bytes,
    nanosecond,
    firstIndex,
    newRecord(batch),
    (r) =>
      seen.push({
        index: r.index,
        tsSec: r.tsSec,
        tsNsec: r.tsNsec,
        data: r.buf.toString('latin1', r.offset, r.offset + r.capturedLength),
        capturedLength: r.capturedLength,
        originalLength: r.originalLength,
      }),
    () => seen.length < stopAfter,
  );
  assert.equal(handed, seen.length);
  return seen;
}

describe('live capture batches', () => {
  it('hands over every packet with its bytes, timestamp and lengths, across padding', () => {
    const seen = walk(
      [
        { tsSec: 1_700_000_000, tsFrac: 5, data: Buffer.from('a') },
        { tsSec: 1_700_000_000, tsFrac: 999_999_999, data: Buffer.from('bcdef'), originalLength: 1500 },
        { tsSec: 1_700_000_001, tsFrac: 0, data: Buffer.from('wxyz') },
        { tsSec: 1_700_000_001, tsFrac: 1, data: Buffer.alloc(0) },
      ],
      true,
      7,
    );
    assert.deepEqual(seen, [
      { index: 7, tsSec: 1_700_000_000, tsNsec: 5, data: 'a', capturedLength: 1, originalLength: 1 },
      {
        index: 8,
        tsSec: 1_700_000_000,
        tsNsec: 999_999_999,
        data: 'bcdef',
        capturedLength: 5,
        originalLength: 1500,
      },
      { index: 9, tsSec: 1_700_000_001, tsNsec: 0, data: 'wxyz', capturedLength: 4, originalLength: 4 },
      { index: 10, tsSec: 1_700_000_001, tsNsec: 1, data: '', capturedLength: 0, originalLength: 0 },
    ]);
  });

  it('turns microsecond timestamps into nanoseconds when libpcap refused nanosecond precision', () => {
    const [packet] = walk([{ tsSec: 10, tsFrac: 999_999, data: Buffer.from('x') }], false);
    assert.equal(packet.tsNsec, 999_999_000);
  });

  it('puts packets the ring holds out of timestamp order back in order, equal stamps as they came', () => {
    const seen = walk([
      { tsSec: 1_700_000_000, tsFrac: 500, data: Buffer.from('b') },
      { tsSec: 1_700_000_000, tsFrac: 400, data: Buffer.from('a') },
      { tsSec: 1_700_000_001, tsFrac: 0, data: Buffer.from('d') },
      { tsSec: 1_700_000_000, tsFrac: 999_999_999, data: Buffer.from('c1') },
      { tsSec: 1_700_000_000, tsFrac: 999_999_999, data: Buffer.from('c2') },
    ]);
    assert.deepEqual(
      seen.map((p) => [p.index, p.data]),
      [
        [0, 'a'],
        [1, 'b'],
        [2, 'c1'],
        [3, 'c2'],
        [4, 'd'],
      ],
    );
  });

  it('stops as soon as the capture is closed from a callback', () => {
    const packets = [1, 2, 3].map((i) => ({ tsSec: i, tsFrac: 0, data: Buffer.from([i]) }));
    assert.deepEqual(
      walk(packets, true, 0, 2).map((p) => p.tsSec),
      [1, 2],
    );
  });

  it('rejects a record whose bytes run past the end of the batch', () => {
    const { batch, bytes } = batchOf([{ tsSec: 1, tsFrac: 0, data: Buffer.from('abcdefgh') }]);
    const run = (count: number, end: number) =>
      walkBatch(
        batch,
        count,
        end,
        true,
        0,
        newRecord(batch),
        () => {},
        () => true,
      );
    assert.throws(
      () => run(1, bytes - 4),
      (err: Error) => err instanceof LiveBatchError && /run past/.test(err.message),
    );
    assert.throws(() => run(2, bytes), /header at byte 24 runs past the batch end \(24\)/);
    assert.throws(() => run(1, batch.length + 1), /overruns/);
  });
});
