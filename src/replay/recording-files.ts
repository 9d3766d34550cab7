/**
 * Captures given one after another that are one recording cut into files (record -C, tcpdump
 * -C/-G): each file starts where the one before ended. A replay reads them as one, with one flow
 * table (a session the cut fell in goes on, on one connection) and one timeline (the silence
 * between the files kept, as in the merged file). Other captures are replayed one after the other.
 */
import { statSync } from 'node:fs';
import { openCapture } from '../capture/index.ts';
import type { ClockStepTally } from '../flow/clock-steps.ts';
import { timestampUs } from '../flow/timestamp.ts';
import { plural } from '../util/plural.ts';

/** How far a file's first packet may be stamped before the previous file's last: capture queues file packets a little out of order. */
export const STEP_BACK_US = 10_000;
/** How long after the previous file's last packet the next file's first may come. */
const GAP_US = 60_000_000;

/**
 * Capture times (µs since the epoch) of the files read so far as one recording, mended where its
 * clock stepped back (see flow/clock-steps.ts); undefined before any packet.
 */
export interface RecordingSpan {
  firstUs: number | undefined;
  /** The latest packet time a packet after it confirmed (did not step back far behind it: no clock glitch). */
  lastUs: number | undefined;
  /** The last packet's time, not confirmed yet. */
  pendingUs: number | undefined;
}

/**
 * Whether a file whose first packet was captured at `firstUs` (undefined: it has none, which
 * contradicts nothing) goes on from the recording read so far. It must start after the
 * recording's first packet (a copy of a short capture starts with it) and where its last ended:
 * the recording's last packet, unless the file's first steps back more than `glitchUs` behind it
 * (that one was stamped ahead: a clock glitch), then the latest before it.
 */
export function goesOn(span: RecordingSpan, firstUs: number | undefined, glitchUs: number): boolean {
  if (firstUs === undefined || span.firstUs === undefined) return true;
  const { pendingUs } = span;
  const confirmed = span.lastUs ?? span.firstUs;
  const lastUs =
    pendingUs !== undefined && firstUs >= pendingUs - glitchUs ? Math.max(confirmed, pendingUs) : confirmed;
  return firstUs > span.firstUs && firstUs >= lastUs - STEP_BACK_US && firstUs - lastUs <= GAP_US;
}

/**
 * Capture time of the file's first packet that has one (µs since the epoch, as captured: the
 * caller mends it as the recording's last time was), undefined when none
 * does. A first packet stamped far ahead of the next (more than `glitchUs`: a clock glitch) does
 * not count; the next one does.
 */
export async function firstPacketUs(path: string, glitchUs: number): Promise<number | undefined> {
  const reader = await openCapture(path);
  let first: number | undefined;
  for await (const cursor of reader.batches()) {
    for (let record = cursor.next(); record !== null; record = cursor.next()) {
      if (record.untimed === true) continue;
      const us = timestampUs(record);
      if (first === undefined) first = us;
      else return us < first - glitchUs ? us : first;
    }
  }
  return first;
}

/** Whether two paths name the same file (the same capture given twice, by any path). */
export function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** What the user hears of a recording's clock steps back (`files`: its files, in the order read), if any. */
export function clockStepWarning(
  files: readonly string[],
  steps: Readonly<ClockStepTally>,
): string | undefined {
  if (steps.count === 0) return undefined;
  const more =
    steps.count > 1
      ? ` (and ${plural(steps.count - 1, 'more time')}, ${seconds(steps.largestUs)} s at most)`
      : '';
  // Records counted from 1, as Wireshark numbers them.
  return (
    `${files[steps.firstFile]}: its clock steps back ${seconds(steps.firstStepUs)} s at record ${steps.firstRecord + 1}${more}: ` +
    'replayed as if it went on, in the captured order and pace'
  );
}

function seconds(us: number): string {
  return (us / 1e6).toFixed(1);
}
