/**
 * Wall-clock timestamps for live packets. cap 0.2.1 does not pass libpcap's per-packet time to
 * JavaScript, so the recorder stamps each packet when its callback runs: an anchor read once from
 * `Date.now()` (absolute accuracy: about 1 ms) plus a monotonic offset from `performance.now()`
 * (relative precision: well under a microsecond). Packets that libpcap hands over in one burst are
 * stamped with the delivery time, not the arrival time: spacing inside a burst is compressed.
 * Stamps never go backwards, because the offset is monotonic.
 */

export interface Timestamp {
  tsSec: number;
  tsNsec: number;
}

export interface ClockSources {
  /** Milliseconds since the epoch (read once, as the anchor). */
  wallMs: () => number;
  /** A monotonic millisecond counter with a fractional part. */
  monotonicMs: () => number;
}

const systemSources: ClockSources = {
  wallMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

export class LiveClock {
  private readonly anchorSec: number;
  private readonly anchorNsec: number;
  private readonly anchorMonotonicMs: number;

  constructor(private readonly sources: ClockSources = systemSources) {
    const wallMs = sources.wallMs();
    this.anchorMonotonicMs = sources.monotonicMs();
    this.anchorSec = Math.floor(wallMs / 1000);
    this.anchorNsec = (wallMs - this.anchorSec * 1000) * 1e6;
  }

  /** Writes the current time into `into` (no allocation on the per-packet path). */
  stamp(into: Timestamp): void {
    const elapsedNs = Math.round((this.sources.monotonicMs() - this.anchorMonotonicMs) * 1e6);
    const nsec = this.anchorNsec + elapsedNs;
    const carry = Math.floor(nsec / 1e9);
    into.tsSec = this.anchorSec + carry;
    into.tsNsec = nsec - carry * 1e9;
  }
}
