import * as hdr from 'hdr-histogram-js';
import type { Percentiles } from './schema.ts';

const MICROS_PER_MS = 1000;

/**
 * A latency histogram fed in milliseconds, stored in microseconds with 3 significant digits.
 * hdr-histogram-js's plain 32-bit JS implementation: no WebAssembly, and its percentile walk is
 * two orders of magnitude faster than the packed variant's, which the live view needs.
 */
export class LatencyHistogram {
  private readonly histogram = hdr.build({
    bitBucketSize: 32,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    useWebAssembly: false,
  });
  private sumUs = 0;
  private minUs = Number.POSITIVE_INFINITY;

  /** Records one value; negative values (clock skew) count as 0. */
  record(ms: number): void {
    const us = Math.max(0, Math.round(ms * MICROS_PER_MS));
    this.histogram.recordValue(us);
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  get maxMs(): number {
    return this.count === 0 ? 0 : this.histogram.maxValue / MICROS_PER_MS;
  }

  /**
   * The value at `percentile` (0-100) in ms; 0 when empty. hdr-histogram answers with the top of
   * the value's bucket, which can lie past the exact largest (or below the exact smallest) value
   * recorded: clamped to them, so no percentile ever reads above max or below min.
   */
  percentileMs(percentile: number): number {
    if (this.count === 0) return 0;
    const us = this.histogram.getValueAtPercentile(percentile);
    return Math.min(Math.max(us, this.minUs), this.histogram.maxValue) / MICROS_PER_MS;
  }

  summary(): Percentiles {
    const count = this.count;
    return {
      count,
      mean: count === 0 ? 0 : round3(this.sumUs / count / MICROS_PER_MS),
      min: count === 0 ? 0 : this.minUs / MICROS_PER_MS,
      p50: this.percentileMs(50),
      p90: this.percentileMs(90),
      p99: this.percentileMs(99),
      'p99.9': this.percentileMs(99.9),
      max: this.maxMs,
    };
  }
}

/** Milliseconds to microsecond resolution, as the report gives every time. */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
