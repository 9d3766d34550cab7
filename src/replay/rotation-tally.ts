/**
 * Sessions a capture ends in the middle of that another capture goes on with (the same
 * endpoints, no SYN, from where the first part's packets stop) although the two were not read as
 * one recording (recording-files.ts): rotated files given out of order (a shell glob sorts
 * rec.pcap10 before rec.pcap2), or with a file missing between them. Each part is replayed on a
 * connection of its own, the later one without what came before it (a login, a SELECT), and, out
 * of order, before it, so a target may answer it otherwise. The run says so once, naming files.
 *
 * The parts are matched whichever is read first, so that files in any order are seen through; but
 * only across captures a rotation could have cut apart: other files, the later one starting where
 * the earlier one ends. The same file read twice, a copy of it, or captures of the same traffic
 * taken side by side overlap in time, and a session there is the same part seen again.
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

/** The times of a capture's first and last packets, in file order (µs, mended as its sessions' are). */
interface CaptureSpan {
  firstUs: number;
  lastUs: number;
}

/** Whether two captures (by index) are one file, given twice (recording-files.ts sameFile). */
export type SameCapture = (a: number, b: number) => boolean;

export class RotationTally {
  private recording = -1;
  /** By capture index, for the captures read so far. */
  private readonly spans: CaptureSpan[] = [];
  /** Parts ended by the end of their recording's captures, by the last packet's time. */
  private readonly ended = new PartsByEndpoints();
  /** Parts opened without SYN that no part read before goes on from yet, by the first packet's time. */
  private readonly opened = new PartsByEndpoints();
  private cuts = 0;
  private outOfOrder = 0;
  private firstCut: Cut | undefined;
  private firstOutOfOrder: Cut | undefined;

  constructor(private readonly sameCapture: SameCapture) {}

  /** Call as each recording of the first loop starts. */
  recordingStarted(): void {
    this.recording++;
  }

  /** Call with each packet's time as capture `captureIndex` is read, before the sessions it opens or ends. */
  packetRead(captureIndex: number, us: number): void {
    const span = this.spans[captureIndex];
    if (span === undefined) this.spans[captureIndex] = { firstUs: us, lastUs: us };
    else span.lastUs = us;
  }

  sessionOpened(session: CapturedSession, captureIndex: number): void {
    if (session.handshake.syn) return;
    const key = endpointsOf(session);
    const startUs = session.startUs;
    const opened: Part = { recording: this.recording, capture: captureIndex, us: startUs };
    const before = this.ended.take(key, (ended) => this.cutBetween(ended, opened));
    if (before !== undefined) this.count({ endedIn: before.capture, goesOnIn: captureIndex });
    else this.opened.add(key, opened);
  }

  /** `captureIndex`: the capture read last when it closed. */
  sessionClosed(session: CapturedSession, captureIndex: number): void {
    if (session.ending !== 'capture-end') return;
    const key = endpointsOf(session);
    const ended: Part = { recording: this.recording, capture: captureIndex, us: session.endUs };
    const after = this.opened.take(key, (opened) => this.cutBetween(ended, opened));
    if (after !== undefined) this.count({ endedIn: captureIndex, goesOnIn: after.capture });
    else this.ended.add(key, ended);
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

  /**
   * The gap (µs) from `ended`'s last packet to `opened`'s first, if `opened` may go on from `ended`
   * across a rotation's cut (at least -STEP_BACK_US, as between the captures); else undefined.
   */
  private cutBetween(ended: Part, opened: Part): number | undefined {
    const gapUs = opened.us - ended.us;
    if (ended.recording === opened.recording || gapUs < -STEP_BACK_US) return undefined;
    const [endedIn, goesOnIn] = [this.spans[ended.capture], this.spans[opened.capture]];
    if (endedIn === undefined || goesOnIn === undefined || !startsAfter(endedIn, goesOnIn)) return undefined;
    return this.sameCapture(ended.capture, opened.capture) ? undefined : gapUs;
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

  /** Removes and returns the part `gapUs` gives the smallest gap to (undefined: none it may go on with). */
  take(key: string, gapUs: (part: Part) => number | undefined): Part | undefined {
    const same = this.parts.get(key);
    if (same === undefined) return undefined;
    let nearest = -1;
    let nearestGapUs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < same.length; i++) {
      const gap = gapUs(same[i]);
      if (gap === undefined || gap >= nearestGapUs) continue;
      nearest = i;
      nearestGapUs = gap;
    }
    if (nearest < 0) return undefined;
    const [part] = same.splice(nearest, 1);
    if (same.length === 0) this.parts.delete(key);
    this.size--;
    return part;
  }
}

/**
 * Whether capture `later` starts where a rotation would have cut it from `earlier`: after its
 * first packet and where its last was (STEP_BACK_US: packets filed a little out of order across
 * the cut). A copy of a capture, or one of the same traffic taken alongside, overlaps it. As this
 * holds one way only, a session's two parts (opened without SYN, ended by its capture's end) never
 * both match parts of one other session.
 */
function startsAfter(earlier: CaptureSpan, later: CaptureSpan): boolean {
  return later.firstUs > earlier.firstUs && later.firstUs >= earlier.lastUs - STEP_BACK_US;
}

/** Both endpoints, in either order: without its SYN, a session's roles are guessed by port. */
function endpointsOf(session: CapturedSession): string {
  const [a, b] = [endpointText(session.client), endpointText(session.server)].sort();
  return `${a} ${b}`;
}
