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
 * Hands the first `count` records of batch[0, bytes) to `onPacket` in timestamp order, numbering
 * them from `firstIndex`; stops early when `stillWanted` turns false (the capture was closed in a
 * callback). Returns how many were handed over. `record.buf` must be `batch`.
 *
 * The kernel fills a capture socket's ring from every CPU that handles a packet, so two packets
 * stamped microseconds apart on two CPUs can land in the ring out of timestamp order; within a
 * batch they are put back in order (a stable sort, only when an inversion is there).
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
  const offsets = new Array<number>(count);
  // Seconds and fractions apart: nanoseconds since 1970 do not fit a double exactly.
  const secs = new Array<number>(count);
  const fracs = new Array<number>(count);
  let inOrder = true;
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + BATCH_RECORD_HEADER > bytes) {
      throw new LiveBatchError(
        `record ${i} of ${count}: header at byte ${at} runs past the batch end (${bytes})`,
      );
    }
    const capturedLength = batch.readUInt32LE(at + 8);
    const end = at + batchRecordSize(capturedLength);
    if (end > bytes) {
      throw new LiveBatchError(
        `record ${i} of ${count}: ${capturedLength} bytes at byte ${at} run past the batch end (${bytes})`,
      );
    }
    offsets[i] = at;
    secs[i] = batch.readUInt32LE(at);
    fracs[i] = batch.readUInt32LE(at + 4);
    if (i > 0 && (secs[i] - secs[i - 1] || fracs[i] - fracs[i - 1]) < 0) inOrder = false;
    at = end;
  }
  // Nearly always in order already: the sorted permutation only when it is not.
  const order = inOrder
    ? undefined
    : offsets.map((_, i) => i).sort((a, b) => secs[a] - secs[b] || fracs[a] - fracs[b] || a - b);
  for (let n = 0; n < count; n++) {
    const k = order ? order[n] : n;
    const start = offsets[k];
    const capturedLength = batch.readUInt32LE(start + 8);
    record.index = firstIndex + n;
    record.tsSec = secs[k];
    record.tsNsec = fracs[k] * fracToNs;
    record.capturedLength = capturedLength;
    record.originalLength = Math.max(batch.readUInt32LE(start + 12), capturedLength);
    record.offset = start + BATCH_RECORD_HEADER;
    onPacket(record);
    if (!stillWanted()) return n + 1;
  }
  return count;
}
