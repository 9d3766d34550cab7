/**
 * --max-idle: stretches of the capture timeline with no packet at all that last longer than the
 * limit are shortened to the limit. Fed every packet time in capture order; maps any capture time
 * already seen onto the shortened timeline.
 */
export class IdleCutter {
  /** Capture times where a cut starts, and the total cut up to and including each. */
  private readonly cutAt: number[] = [];
  private readonly cutTotal: number[] = [];
  private lastUs: number | undefined;

  constructor(private readonly maxIdleUs: number) {}

  /** Records a packet at capture time `us` (µs); times may go slightly backwards (ignored). */
  observe(us: number): void {
    if (this.lastUs !== undefined && us - this.lastUs > this.maxIdleUs) {
      const total = (this.cutTotal.at(-1) ?? 0) + (us - this.lastUs - this.maxIdleUs);
      this.cutAt.push(us);
      this.cutTotal.push(total);
    }
    if (this.lastUs === undefined || us > this.lastUs) this.lastUs = us;
  }

  /** Total time cut before capture time `us`. */
  cutBefore(us: number): number {
    // Binary search for the last cut at or before `us`.
    let lo = 0;
    let hi = this.cutAt.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.cutAt[mid] <= us) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.cutTotal[found];
  }

  map(us: number): number {
    return us - this.cutBefore(us);
  }
}
