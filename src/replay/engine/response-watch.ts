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
  private firstUs = 0;
  private lastUs = 0;

  begin(index: number, expected: boolean): void {
    this.index = index;
    this.expected = expected;
    this.bytes = 0;
    this.sentUs = undefined;
  }

  data(nowUs: number, bytes: number): void {
    if (this.index === undefined) return;
    if (this.bytes === 0) this.firstUs = nowUs;
    this.lastUs = nowUs;
    this.bytes += bytes;
  }

  /** Whether the wait for a response may end (a response was seen, or none was expected). */
  get answered(): boolean {
    return !this.expected || this.bytes > 0;
  }

  /** The finished response as an action (if any byte was seen), and a clean slate. */
  take(): EngineAction | undefined {
    const index = this.index;
    this.index = undefined;
    if (index === undefined || this.bytes === 0) return undefined;
    return { kind: 'response', index, firstUs: this.firstUs, lastUs: this.lastUs, bytes: this.bytes };
  }
}
