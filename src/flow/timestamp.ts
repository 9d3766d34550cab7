/** Capture time of a record or decoded packet, in µs since the epoch. */
export function timestampUs(at: { tsSec: number; tsNsec: number }): number {
  return at.tsSec * 1_000_000 + Math.floor(at.tsNsec / 1000);
}
