/**
 * Retransmission timeout from measured round trips (RFC 6298), with exponential backoff. The
 * samples come from feedback, Karn's rule applied by the caller (never time a retransmission).
 */
const CLOCK_GRANULARITY_US = 1_000;

export class RttEstimator {
  /** Smoothed RTT and its variation; undefined until the first sample. */
  private srttUs: number | undefined;
  private rttvarUs = 0;
  /** Current RTO before backoff. */
  private baseRtoUs: number;
  /** The shortest round trip measured: the path's own, without the target's think time. */
  private minRttUs: number | undefined;

  constructor(
    initialRtoUs: number,
    private readonly minRtoUs: number,
    private readonly maxRtoUs: number,
  ) {
    this.baseRtoUs = initialRtoUs;
  }

  get smoothedUs(): number | undefined {
    return this.srttUs;
  }

  get minUs(): number | undefined {
    return this.minRttUs;
  }

  sample(rttUs: number): void {
    const r = Math.max(0, rttUs);
    if (this.minRttUs === undefined || r < this.minRttUs) this.minRttUs = r;
    if (this.srttUs === undefined) {
      this.srttUs = r;
      this.rttvarUs = r / 2;
    } else {
      this.rttvarUs = 0.75 * this.rttvarUs + 0.25 * Math.abs(this.srttUs - r);
      this.srttUs = 0.875 * this.srttUs + 0.125 * r;
    }
    const rto = this.srttUs + Math.max(CLOCK_GRANULARITY_US, 4 * this.rttvarUs);
    this.baseRtoUs = Math.min(this.maxRtoUs, Math.max(this.minRtoUs, rto));
  }

  /** The RTO after `backoff` consecutive expirations. */
  rtoUs(backoff: number): number {
    return Math.min(this.maxRtoUs, this.baseRtoUs * 2 ** backoff);
  }
}
