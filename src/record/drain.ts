/**
 * After a stop that cuts the recording at a moment (signal, Ctrl-C, duration), the capture stays
 * open to take the packets stamped before that moment that the kernel still holds: libpcap hands
 * them over up to a batch timeout late, and later still when the recorder has fallen behind the
 * kernel's ring. The drain decides, without I/O, when that is over. It is fed every packet that
 * arrives and asked at the end of each batch and whenever its next check is due.
 *
 * The kernel fills its ring in arrival order, so once a packet stamped at or after the stop
 * arrives, everything stamped before it has been handed over (the batch it came in is finished
 * first: packets from two CPUs can be microseconds out of order).
 */
export const DrainEnd = {
  /** A packet stamped at or after the stop arrived: nothing from before the stop is left. */
  CaughtUp: 'caught-up',
  /** Nothing arrived for `quietMs` although the capture was read: the kernel holds nothing more. */
  Quiet: 'quiet',
  /** The drain ran for `limitMs`: what the kernel still holds stays unread, so a stop never hangs. */
  TimeLimit: 'time-limit',
} as const;
export type DrainEnd = (typeof DrainEnd)[keyof typeof DrainEnd];

export interface DrainLimits {
  /** How long nothing must arrive; above libpcap's batch timeout, the longest it holds a packet back. */
  quietMs: number;
  /** The longest a drain lasts, however much is still coming. */
  limitMs: number;
}

export class StopDrain {
  /** When the last packet arrived (the drain's clock), or when the drain started. */
  private lastArrivalMs: number;
  private caughtUp = false;

  /**
   * `stopAtMs` is on the capture's clock (packet timestamps, ms since the epoch); `startedMs` and
   * every `nowMs` are on the drain's own clock (a monotonic one).
   */
  constructor(
    readonly stopAtMs: number,
    private readonly startedMs: number,
    private readonly limits: DrainLimits,
  ) {
    this.lastArrivalMs = startedMs;
  }

  /** A packet stamped `timestampMs` arrived at `nowMs`. */
  arrived(timestampMs: number, nowMs: number): void {
    this.lastArrivalMs = nowMs;
    if (timestampMs >= this.stopAtMs) this.caughtUp = true;
  }

  /**
   * Why the drain is over at `nowMs`, or null while it goes on. Ask only after the capture has had
   * its chance to deliver what is waiting: a check that comes late because the recorder was busy
   * must not take the backlog it has not read yet for quiet.
   */
  endAt(nowMs: number): DrainEnd | null {
    if (this.caughtUp) return DrainEnd.CaughtUp;
    if (nowMs - this.startedMs >= this.limits.limitMs) return DrainEnd.TimeLimit;
    if (nowMs - this.lastArrivalMs >= this.limits.quietMs) return DrainEnd.Quiet;
    return null;
  }

  /** How long until `endAt` may end the drain if nothing more arrives. */
  nextCheckInMs(nowMs: number): number {
    const due = Math.min(this.lastArrivalMs + this.limits.quietMs, this.startedMs + this.limits.limitMs);
    return Math.max(0, due - nowMs);
  }
}
