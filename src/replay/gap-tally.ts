/**
 * Requests that the capture holds only in part: packets it lost, or payload its snap length cut
 * (tcpdump -s 96, a common "headers only" setting). They are sent without the missing bytes, so a
 * target may never answer them and their sessions time out. The run says so once, with the cause,
 * rather than leave the user to blame the target.
 */
import { type CapturedRequest, type CapturedSession, isUncaptured } from '../flow/session.ts';
import { plural } from '../util/plural.ts';

export class GapTally {
  private requests = 0;
  private sessions = 0;
  private cutSegments = 0;
  /** Open sessions with such a request (forgotten as they close: memory stays with the open ones). */
  private readonly open = new Set<CapturedSession>();

  /** A planned captured request (count each captured request once, not per copy or loop). */
  request(session: CapturedSession, request: CapturedRequest): void {
    if (request.gaps.length === 0 || isUncaptured(request)) return;
    this.requests++;
    this.open.add(session);
  }

  /** A planned captured session was read to its end (its counters are final). */
  sessionClosed(session: CapturedSession): void {
    if (!this.open.delete(session)) return;
    this.sessions++;
    this.cutSegments += session.truncatedSegments;
  }

  /** The warning for the user, when any request misses bytes. */
  warning(): string | undefined {
    if (this.requests === 0) return undefined;
    const cause =
      this.cutSegments > 0
        ? `the capture's snap length cut ${plural(this.cutSegments, 'client segment')} (capture with snap length 0, tcpdump -s 0, to keep whole packets)`
        : 'the capture lost packets of them';
    const one = this.requests === 1;
    return (
      `${plural(this.requests, 'captured request')} (in ${plural(this.sessions + this.open.size, 'session')}) ` +
      `${one ? 'misses' : 'miss'} bytes the capture does not hold and ${one ? 'goes' : 'go'} out without them, ` +
      `so the target may not answer: ${cause}`
    );
  }
}
