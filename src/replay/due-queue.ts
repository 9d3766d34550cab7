/**
 * Fires callbacks when the replay clock reaches their capture offsets. One timer is armed for
 * the earliest entry; it sleeps with setTimeout until about a millisecond before, then yields
 * with setImmediate until the moment, because setTimeout alone fires up to a few ms late and
 * send lag is measured. Pausing or changing the speed re-arms the timer (`rearm()`).
 */
import { MinHeap } from '../util/min-heap.ts';
import type { ReplayClock } from './clock.ts';

const SPIN_BELOW_MS = 1.5;

export class DueQueue {
  private readonly heap = new MinHeap<() => void>();
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private stopped = false;
  /** One closure for every wake-up: the spin re-arms hundreds of times per millisecond. */
  private readonly fireNow = (): void => this.fire();

  constructor(private readonly clock: ReplayClock) {}

  get size(): number {
    return this.heap.size;
  }

  /** Runs `fn` once the clock reaches `captureUs` (at once if it already has). */
  at(captureUs: number, fn: () => void): void {
    this.heap.push(captureUs, fn);
    if (this.heap.peekKey() === captureUs) this.rearm();
  }

  /** Recomputes the wake-up after the clock changed (pause, resume, speed). */
  rearm(): void {
    this.clearTimers();
    if (this.stopped) return;
    const next = this.heap.peekKey();
    if (next === undefined) return;
    const delay = this.clock.delayMs(next);
    if (delay === Number.POSITIVE_INFINITY) return;
    if (delay <= SPIN_BELOW_MS) {
      this.immediate = setImmediate(this.fireNow);
    } else {
      this.timeout = setTimeout(this.fireNow, delay - SPIN_BELOW_MS);
    }
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
  }

  private fire(): void {
    this.timeout = undefined;
    this.immediate = undefined;
    for (;;) {
      const next = this.heap.peekKey();
      if (next === undefined || this.clock.delayMs(next) > 0 || this.stopped) break;
      this.heap.pop()?.();
    }
    this.rearm();
  }

  private clearTimers(): void {
    if (this.timeout) clearTimeout(this.timeout);
    if (this.immediate) clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
  }
}
