/**
 * --max-idle: stretches of the capture timeline with no packet at all that last longer than the
 * limit are shortened to the limit. Fed every packet time in capture order; maps any capture time
 * already seen onto the shortened timeline.
 *
 * Capture times may step back (merged files, several capture queues). A time that falls inside a
 * stretch already cut keeps its distance to the stretch's end, down to the stretch's start: a
 * packet filed 2 s behind its neighbours stays 2 s behind them, rather than coming hours after
 * them, or before, as it would if it were mapped by the cuts before it alone.
 *
 * One packet stamped far ahead of the next (a clock glitch: the next one steps back more than the
 * limit behind it) made no idle stretch: its cut is undone (or, when it was the first packet, the
 * silences are measured from the next one), so that the packets after it keep their pace instead
 * of all falling on the stretch's start. Only the glitch's own time moves.
 */
export class IdleCutter {
  /** Per cut, in time order: where the idle stretch starts and ends, and the total cut through it. */
  private readonly stretchStart: number[] = [];
  private readonly stretchEnd: number[] = [];
  private readonly cutTotal: number[] = [];
  private lastUs: number | undefined;
  /** The last packet observed opened the last cut. */
  private lastOpenedCut = false;
  private observed = 0;

  constructor(private readonly maxIdleUs: number) {}

  /** Records a packet at capture time `us` (µs), in capture order. */
  observe(us: number): void {
    if (this.lastUs !== undefined && us < this.lastUs - this.maxIdleUs) this.forgetGlitch();
    this.lastOpenedCut = false;
    this.observed++;
    if (this.lastUs !== undefined && us - this.lastUs > this.maxIdleUs) {
      const total = (this.cutTotal.at(-1) ?? 0) + (us - this.lastUs - this.maxIdleUs);
      this.stretchStart.push(this.lastUs);
      this.stretchEnd.push(us);
      this.cutTotal.push(total);
      this.lastOpenedCut = true;
    }
    if (this.lastUs === undefined || us > this.lastUs) this.lastUs = us;
  }

  /** The packet just before was stamped far ahead of this one: what it alone did is undone. */
  private forgetGlitch(): void {
    if (this.lastOpenedCut) {
      this.lastUs = this.stretchStart.pop();
      this.stretchEnd.pop();
      this.cutTotal.pop();
    } else if (this.observed === 1) {
      this.lastUs = undefined;
    }
  }

  /**
   * Where capture time `us` (observed already) falls on the shortened timeline. Stable: later
   * observations never move a time already observed (the replay maps a session's start and its
   * requests at different moments).
   */
  map(us: number): number {
    // The last cut whose stretch ended at or before `us` (binary search).
    let lo = 0;
    let hi = this.stretchEnd.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.stretchEnd[mid] <= us) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const cutBefore = found < 0 ? 0 : this.cutTotal[found];
    const next = found + 1;
    if (next < this.stretchEnd.length && us > this.stretchStart[next]) {
      // Inside the next cut stretch: as far before its (shortened) end, but not before its start.
      return Math.max(this.stretchStart[next] - cutBefore, us - this.cutTotal[next]);
    }
    return us - cutBefore;
  }
}
