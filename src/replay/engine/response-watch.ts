import type { EngineAction } from './types.ts';

/**
 * The response to the latest released request, as far as headers tell: when its first and last
 * segment were seen and how many payload bytes it had. With --no-wait, pipelined responses are
 * all credited to the latest request (headers carry no boundaries).
 */
export class ResponseWatch {
  /** Index of the request being answered; undefined before the first request of a connection. */
  index: number | undefined;
  /** A response is expected (answerExpected): do not call it over before a byte is seen. */
  expected = false;
  bytes = 0;
  /** When the request went whole (its last part), once it has. */
  sentUs: number | undefined;
  /**
   * The target may have sent this request's answer ahead, with the one before (answeredAheadWaitUs
   * in ../response-quiet.ts): how long after `sentUs` it counts as answered so, with no byte of its own.
   */
  private aheadWaitUs: number | undefined;
  /** No byte of its own came: the answer sent ahead counts (see aheadDueUs). */
  answeredAhead = false;
  private firstUs = 0;
  private lastUs = 0;

  begin(index: number, expected: boolean, aheadWaitUs?: number): void {
    this.index = index;
    this.expected = expected;
    this.bytes = 0;
    this.sentUs = undefined;
    this.aheadWaitUs = aheadWaitUs;
    this.answeredAhead = false;
  }

  /** When the answer sent ahead counts, while no byte of its own came (undefined: it does not). */
  get aheadDueUs(): number | undefined {
    if (this.aheadWaitUs === undefined || this.sentUs === undefined || this.bytes > 0) return undefined;
    return this.answeredAhead ? undefined : this.sentUs + this.aheadWaitUs;
  }

  /** At `nowUs`: the answer sent ahead counts once its wait is over. */
  checkAhead(nowUs: number): void {
    const dueUs = this.aheadDueUs;
    if (dueUs !== undefined && nowUs >= dueUs) this.answeredAhead = true;
  }

  data(nowUs: number, bytes: number): void {
    if (this.index === undefined) return;
    if (this.bytes === 0) this.firstUs = nowUs;
    this.lastUs = nowUs;
    this.bytes += bytes;
  }

  /** Whether the wait for a response may end (a response was seen, or none was expected). */
  get answered(): boolean {
    return !this.expected || this.bytes > 0 || this.answeredAhead;
  }

  /** The finished response as an action (if any byte was seen), and a clean slate. */
  take(): EngineAction | undefined {
    const index = this.index;
    this.index = undefined;
    if (index === undefined) return undefined;
    if (this.bytes === 0) {
      // Answered ahead: 0 bytes of its own, in 0 µs.
      const at = this.sentUs;
      return this.answeredAhead && at !== undefined
        ? { kind: 'response', index, firstUs: at, lastUs: at, bytes: 0 }
        : undefined;
    }
    return { kind: 'response', index, firstUs: this.firstUs, lastUs: this.lastUs, bytes: this.bytes };
  }
}
