import type { CaptureRecord } from './record.ts';

/**
 * The batches the libpcap addon fills (native/pcap/reprise_pcap.c): records laid end to end as
 *
 *   tsSec u32 | tsFrac u32 | capturedLength u32 | originalLength u32 | data | pad to 4 bytes
 *
 * with little-endian integers and `tsFrac` in nanoseconds (or microseconds when libpcap refused
 * nanosecond precision). Walked in place into one reused record, like the file readers' cursor.
 */
const BATCH_RECORD_HEADER = 16;

export class LiveBatchError extends Error {
  override name = 'LiveBatchError';
}

/** Bytes one record of `capturedLength` bytes takes in a batch. */
export function batchRecordSize(capturedLength: number): number {
  return BATCH_RECORD_HEADER + ((capturedLength + 3) & ~3);
}

/**
 * Hands the first `count` records of batch[0, bytes) to `onPacket`, numbering them from
 * `firstIndex`; stops early when `stillWanted` turns false (the capture was closed in a callback).
 * Returns how many were handed over. `record.buf` must be `batch`.
 */
export function walkBatch(
  batch: Buffer,
  count: number,
  bytes: number,
  nanosecond: boolean,
  firstIndex: number,
  record: CaptureRecord,
  onPacket: (record: CaptureRecord) => void,
  stillWanted: () => boolean,
): number {
  if (bytes > batch.length)
    throw new LiveBatchError(`batch of ${bytes} bytes overruns its ${batch.length}-byte buffer`);
  const fracToNs = nanosecond ? 1 : 1000;
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + BATCH_RECORD_HEADER > bytes) {
      throw new LiveBatchError(
        `record ${i} of ${count}: header at byte ${at} runs past the batch end (${bytes})`,
      );
    }
    const capturedLength = batch.readUInt32LE(at + 8);
    const originalLength = batch.readUInt32LE(at + 12);
    const end = at + batchRecordSize(capturedLength);
    if (end > bytes) {
      throw new LiveBatchError(
        `record ${i} of ${count}: ${capturedLength} bytes at byte ${at} run past the batch end (${bytes})`,
      );
    }
    record.index = firstIndex + i;
    record.tsSec = batch.readUInt32LE(at);
    record.tsNsec = batch.readUInt32LE(at + 4) * fracToNs;
    record.capturedLength = capturedLength;
    record.originalLength = Math.max(originalLength, capturedLength);
    record.offset = at + BATCH_RECORD_HEADER;
    onPacket(record);
    at = end;
    if (!stillWanted()) return i + 1;
  }
  return count;
}
