/** Capture time of a record or decoded packet, in µs since the epoch. */
export function timestampUs(at: { tsSec: number; tsNsec: number }): number {
  return at.tsSec * 1_000_000 + Math.floor(at.tsNsec / 1000);
}

/**
 * A time field's value before it is first set. A double rather than a small integer: storing a
 * timestamp (about 1.7e15) into a field that held a small integer changes the object's hidden
 * class, which throws away the optimized code built for it (a deopt) while the pipeline warms up.
 */
export const NO_TIME = Number.NaN;
