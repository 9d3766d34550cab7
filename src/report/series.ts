/** Counts per fixed-width time bucket over a run (requests/s, bytes/s), grown as time passes. */
export class BucketSeries {
  readonly values: number[] = [];

  constructor(readonly intervalMs: number) {}

  add(atMs: number, amount: number): void {
    const bucket = Math.max(0, Math.floor(atMs / this.intervalMs));
    while (this.values.length <= bucket) this.values.push(0);
    this.values[bucket] += amount;
  }

  /** Sum of the buckets that overlap [fromMs, toMs). */
  sumBetween(fromMs: number, toMs: number): number {
    const first = Math.max(0, Math.floor(fromMs / this.intervalMs));
    const last = Math.min(this.values.length - 1, Math.ceil(toMs / this.intervalMs) - 1);
    let sum = 0;
    for (let i = first; i <= last; i++) sum += this.values[i];
    return sum;
  }

  peak(): number {
    let peak = 0;
    for (const value of this.values) if (value > peak) peak = value;
    return peak;
  }

  /** The series padded with zeros to cover `durationMs`. */
  toArray(durationMs: number): number[] {
    const length = Math.max(this.values.length, Math.ceil(durationMs / this.intervalMs));
    return Array.from({ length }, (_, i) => this.values[i] ?? 0);
  }
}
