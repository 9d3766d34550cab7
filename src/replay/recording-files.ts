/**
 * Captures given one after another that are one recording cut into files (record -C, tcpdump
 * -C/-G): each file starts where the one before ended. A replay reads them as one, with one flow
 * table (a session the cut fell in goes on, on one connection) and one timeline (the silence
 * between the files kept, as in the merged file). Other captures are replayed one after the other.
 */
import { openCapture } from '../capture/index.ts';
import { timestampUs } from '../flow/timestamp.ts';

/** How far a file's first packet may be stamped before the previous file's last: capture queues file packets a little out of order. */
const STEP_BACK_US = 10_000;
/** How long after the previous file's last packet the next file's first may come. */
const GAP_US = 60_000_000;

/**
 * Whether a file whose first packet was captured at `firstUs` goes on from files whose latest
 * packet was captured at `lastUs` (undefined: no packet, which nothing can contradict).
 */
export function goesOn(lastUs: number | undefined, firstUs: number | undefined): boolean {
  if (lastUs === undefined || firstUs === undefined) return true;
  return firstUs >= lastUs - STEP_BACK_US && firstUs - lastUs <= GAP_US;
}

/** Capture time of the file's first packet that has one (µs since the epoch), undefined when none does. */
export async function firstPacketUs(path: string): Promise<number | undefined> {
  const reader = await openCapture(path);
  for await (const cursor of reader.batches()) {
    for (let record = cursor.next(); record !== null; record = cursor.next()) {
      if (record.untimed !== true) return timestampUs(record);
    }
  }
  return undefined;
}
