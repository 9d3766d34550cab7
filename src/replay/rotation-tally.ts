/**
 * Sessions a capture ends in the middle of that the next capture goes on with (the same
 * endpoints, no SYN) although it does not start where the one before ended, so that the two are
 * not read as one recording (recording-files.ts): rotated files given out of order, or with a
 * file missing between them. Each part is replayed on a connection of its own, the later one
 * without what came before it (a login, a SELECT), so a target may answer it otherwise. The run
 * says so once.
 */

import type { CapturedSession } from '../flow/session.ts';
import { plural } from '../util/plural.ts';
import { endpointText } from './plan.ts';

export class RotationTally {
  /** Endpoints of the sessions the previous capture ended mid-way, and the current one so far. */
  private cutBefore = new Set<string>();
  private cutHere = new Set<string>();
  private continued = 0;
  private firstContinuing: { capture: number; previous: number } | undefined;

  /** Call before each capture of the first loop is read (`sameFileAgain`: the one before was this file too). */
  captureStarted(sameFileAgain = false): void {
    this.cutBefore = sameFileAgain ? new Set() : this.cutHere;
    this.cutHere = new Set();
  }

  sessionOpened(session: CapturedSession, captureIndex: number): void {
    if (session.handshake.syn || !this.cutBefore.has(endpointsOf(session))) return;
    this.continued++;
    this.firstContinuing ??= { capture: captureIndex, previous: captureIndex - 1 };
  }

  sessionClosed(session: CapturedSession): void {
    if (session.ending === 'capture-end') this.cutHere.add(endpointsOf(session));
  }

  warning(captures: readonly string[]): string | undefined {
    const first = this.firstContinuing;
    if (first === undefined) return undefined;
    const after = first.capture < captures.length - 1 ? ' (and the captures after it)' : '';
    return (
      `${plural(this.continued, 'session')} of ${captures[first.capture]}${after} ` +
      `${this.continued === 1 ? 'goes' : 'go'} on with sessions ${captures[first.previous]} ended mid-way, ` +
      'but does not start where that one ended (rotated files out of order, or one missing?): each part ' +
      'is replayed on a connection of its own, the later one without what came before it (a login, a ' +
      'SELECT); give rotated files in order, all of them, to replay them as one recording'
    );
  }
}

/** Both endpoints, in either order: without its SYN, a session's roles are guessed by port. */
function endpointsOf(session: CapturedSession): string {
  const [a, b] = [endpointText(session.client), endpointText(session.server)].sort();
  return `${a} ${b}`;
}
