/**
 * Sessions a capture ends in the middle of that another capture goes on with (the same
 * endpoints, no SYN, from where the first part's packets stop) although the two were not read as
 * one recording (recording-files.ts): rotated files given out of order (a shell glob sorts
 * rec.pcap10 before rec.pcap2), or with a file missing between them. Each part is replayed on a
 * connection of its own, the later one without what came before it (a login, a SELECT), and, out
 * of order, before it, so a target may answer it otherwise. The run says so once, naming files.
 *
 * The parts are matched whichever is read first, so that files in any order are seen through.
 */

import type { CapturedSession } from '../flow/session.ts';
import { plural } from '../util/plural.ts';
import { endpointText } from './plan.ts';
import { STEP_BACK_US } from './recording-files.ts';

/**
 * Parts remembered for each side of a match. A part that finds no other is kept to the end of the
 * run (a session opened without SYN may well be no continuation: its SYN was before the capture),
 * so the memory is capped: past this many, further parts are not remembered and cuts between them
 * go uncounted (the warning then says fewer than there were, never more).
 */
const MAX_PARTS = 65_536;

/** Part of a session: the recording and capture it was read from, and when it ended or started. */
interface Part {
  recording: number;
  capture: number;
  us: number;
}

/** A session cut in two: the capture its first part ended in, and the capture the second went on in. */
interface Cut {
  endedIn: number;
  goesOnIn: number;
}

export class RotationTally {
  private recording = -1;
  /** The last capture a session of this recording was opened in: where its cut sessions end, unless told. */
  private lastCapture = 0;
  /** Parts ended by the end of their recording's captures, by the last packet's time. */
  private readonly ended = new PartsByEndpoints();
  /** Parts opened without SYN that no part read before goes on from yet, by the first packet's time. */
  private readonly opened = new PartsByEndpoints();
  private cuts = 0;
  private outOfOrder = 0;
  private firstCut: Cut | undefined;
  private firstOutOfOrder: Cut | undefined;

  /**
   * Call as each recording of the first loop starts (`sameFileAgain`: its first capture is the file
   * read just before, again: parts of the two are not matched, as the file ends where it ends).
   */
  captureStarted(sameFileAgain = false): void {
    if (!sameFileAgain) this.recording++;
  }

  sessionOpened(session: CapturedSession, captureIndex: number): void {
    this.lastCapture = captureIndex;
    if (session.handshake.syn) return;
    const key = endpointsOf(session);
    const startUs = session.startUs;
    const before = this.ended.take(key, this.recording, (ended) => startUs - ended.us);
    if (before !== undefined) this.count({ endedIn: before.capture, goesOnIn: captureIndex });
    else this.opened.add(key, { recording: this.recording, capture: captureIndex, us: startUs });
  }

  /** `captureIndex`: the capture read last when it closed (default: the last one a session was opened in). */
  sessionClosed(session: CapturedSession, captureIndex = this.lastCapture): void {
    if (session.ending !== 'capture-end') return;
    const key = endpointsOf(session);
    const endUs = session.endUs;
    const after = this.opened.take(key, this.recording, (opened) => opened.us - endUs);
    if (after !== undefined) this.count({ endedIn: captureIndex, goesOnIn: after.capture });
    else this.ended.add(key, { recording: this.recording, capture: captureIndex, us: endUs });
  }

  warning(captures: readonly string[]): string | undefined {
    if (this.firstOutOfOrder !== undefined) return this.outOfOrderWarning(captures, this.firstOutOfOrder);
    const first = this.firstCut;
    if (first === undefined) return undefined;
    const after = first.goesOnIn < captures.length - 1 ? ' (and the captures after it)' : '';
    return (
      `${plural(this.cuts, 'session')} of ${captures[first.goesOnIn]}${after} ` +
      `${this.cuts === 1 ? 'goes' : 'go'} on with sessions ${captures[first.endedIn]} ended mid-way, ` +
      'but does not start where that one ended (rotated files out of order, or one missing?): each part ' +
      'is replayed on a connection of its own, the later one without what came before it (a login, a ' +
      'SELECT); give rotated files in order, all of them, to replay them as one recording'
    );
  }

  private outOfOrderWarning(captures: readonly string[], cut: Cut): string {
    const laterFirst =
      this.outOfOrder === this.cuts ? 'and before it' : `and, for ${this.outOfOrder} of them, before it`;
    return (
      `${captures[cut.goesOnIn]} and ${captures[cut.endedIn]} look like one recording cut in two, given out of ` +
      `order: ${plural(this.cuts, 'session')} ${this.cuts === 1 ? 'was' : 'were'} cut where one file ends and ` +
      'another goes on, and each part is replayed on a connection of its own, the later part without what ' +
      `came before it (a login, a SELECT) ${laterFirst}; give the files in capture order (a shell glob sorts ` +
      'rec.pcap10 before rec.pcap2), all of them, to replay them as one recording'
    );
  }

  private count(cut: Cut): void {
    this.cuts++;
    this.firstCut ??= cut;
    if (cut.goesOnIn > cut.endedIn) return;
    this.outOfOrder++;
    this.firstOutOfOrder ??= cut;
  }
}

/** Parts of sessions by their endpoints, at most MAX_PARTS in all. */
class PartsByEndpoints {
  private readonly parts = new Map<string, Part[]>();
  private size = 0;

  add(key: string, part: Part): void {
    if (this.size >= MAX_PARTS) return;
    this.size++;
    const same = this.parts.get(key);
    if (same === undefined) this.parts.set(key, [part]);
    else same.push(part);
  }

  /**
   * Removes and returns the part of another recording than `recording` that goes on nearest in time:
   * `gapUs` from one part's last packet to the other's first, at least -STEP_BACK_US (packets filed
   * a little out of order across the cut) and the smallest.
   */
  take(key: string, recording: number, gapUs: (part: Part) => number): Part | undefined {
    const same = this.parts.get(key);
    if (same === undefined) return undefined;
    let nearest = -1;
    for (let i = 0; i < same.length; i++) {
      const gap = gapUs(same[i]);
      if (same[i].recording === recording || gap < -STEP_BACK_US) continue;
      if (nearest < 0 || gap < gapUs(same[nearest])) nearest = i;
    }
    if (nearest < 0) return undefined;
    const [part] = same.splice(nearest, 1);
    if (same.length === 0) this.parts.delete(key);
    this.size--;
    return part;
  }
}

/** Both endpoints, in either order: without its SYN, a session's roles are guessed by port. */
function endpointsOf(session: CapturedSession): string {
  const [a, b] = [endpointText(session.client), endpointText(session.server)].sort();
  return `${a} ${b}`;
}
