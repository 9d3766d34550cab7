import { seqAdd, seqLt } from '../../flow/seq.ts';

/**
 * Our TSval (RFC 7323): a millisecond clock from a base, which never goes back for the whole
 * session, reconnects included (mod 2^32).
 */
export class TimestampClock {
  private last: number | undefined;

  constructor(
    private readonly base: number,
    private readonly originUs: number,
  ) {}

  valueAt(nowUs: number): number {
    const value = seqAdd(this.base, Math.floor(Math.max(0, nowUs - this.originUs) / 1000));
    if (this.last !== undefined && seqLt(value, this.last)) return this.last;
    this.last = value;
    return value;
  }
}
