/** TCP sequence-number arithmetic modulo 2^32 (RFC 1982 serial numbers, as in RFC 793). */

/** `b - a` as a signed 32-bit distance: positive when b is after a. */
export function seqDiff(a: number, b: number): number {
  return (b - a) | 0;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}
