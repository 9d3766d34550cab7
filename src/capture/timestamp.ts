/**
 * Splits a 64-bit pcapng timestamp (high and low 32-bit words, in units of 1/unitsPerSecond)
 * into whole seconds and nanoseconds, exactly, without BigInt on the common paths and without
 * allocating.
 */

export interface SplitTimestamp {
  sec: number;
  nsec: number;
}

const TWO_POW_32 = 4294967296;
/** Below this high word, hi * 2^32 + lo < 2^52 and plain double arithmetic is exact. */
const EXACT_HIGH_WORD_LIMIT = 0x100000;
/**
 * For units in this range a rounded double quotient is off by at most one second, and the
 * remainder of such a quotient fits in an int32, so 32-bit arithmetic computes it exactly.
 */
const ROUNDED_QUOTIENT_MIN_UNITS = 65536;
const ROUNDED_QUOTIENT_MAX_UNITS = 1e9;
/** Long division in base 2^16 keeps every intermediate below 2^53 while the divisor is below 2^37. */
const LONG_DIVISION_MAX_UNITS = 2 ** 37;

export function splitTimestamp(hi: number, lo: number, unitsPerSecond: number, out: SplitTimestamp): void {
  let sec: number;
  let rem: number;
  if (hi < EXACT_HIGH_WORD_LIMIT) {
    // Microsecond timestamps of this century land here.
    const value = hi * TWO_POW_32 + lo;
    sec = Math.floor(value / unitsPerSecond);
    rem = value - sec * unitsPerSecond;
  } else if (unitsPerSecond >= ROUNDED_QUOTIENT_MIN_UNITS && unitsPerSecond <= ROUNDED_QUOTIENT_MAX_UNITS) {
    // Nanosecond timestamps (about 1.7e18) exceed 2^53: take the rounded quotient, then the
    // exact remainder modulo 2^32 (it is small, so that is the remainder itself).
    sec = Math.floor((hi * TWO_POW_32 + lo) / unitsPerSecond);
    rem = ((lo >>> 0) - (Math.imul(sec >>> 0, unitsPerSecond) >>> 0)) | 0;
  } else if (unitsPerSecond < LONG_DIVISION_MAX_UNITS) {
    const r0 = hi >>> 16;
    const q0 = Math.floor(r0 / unitsPerSecond);
    const r1 = (r0 - q0 * unitsPerSecond) * 65536 + (hi & 0xffff);
    const q1 = Math.floor(r1 / unitsPerSecond);
    const r2 = (r1 - q1 * unitsPerSecond) * 65536 + (lo >>> 16);
    const q2 = Math.floor(r2 / unitsPerSecond);
    const r3 = (r2 - q2 * unitsPerSecond) * 65536 + (lo & 0xffff);
    const q3 = Math.floor(r3 / unitsPerSecond);
    sec = ((q0 * 65536 + q1) * 65536 + q2) * 65536 + q3;
    rem = r3 - q3 * unitsPerSecond;
  } else {
    splitWithBigInt(hi, lo, unitsPerSecond, out);
    return;
  }
  // A rounded quotient may be one too high or too low.
  if (rem < 0) {
    sec -= 1;
    rem += unitsPerSecond;
  } else if (rem >= unitsPerSecond) {
    sec += 1;
    rem -= unitsPerSecond;
  }
  out.sec = sec;
  out.nsec = remainderToNanoseconds(rem, unitsPerSecond);
}

/** Resolutions finer than 2^-37 s: rare enough for BigInt. */
function splitWithBigInt(hi: number, lo: number, unitsPerSecond: number, out: SplitTimestamp): void {
  const units = BigInt(unitsPerSecond);
  const value = (BigInt(hi) << 32n) | BigInt(lo);
  out.sec = Number(value / units);
  out.nsec = Number(((value % units) * 1000000000n) / units);
}

/** Converts a sub-second remainder to nanoseconds, truncating finer resolutions. */
function remainderToNanoseconds(rem: number, unitsPerSecond: number): number {
  if (unitsPerSecond === 1e9) return rem;
  if (unitsPerSecond === 1e6) return rem * 1000;
  if (unitsPerSecond <= 9e6) return Math.floor((rem * 1e9) / unitsPerSecond);
  // rem * 1e9 may exceed 2^53: rare resolutions finer than about 0.1 µs take the exact slow path.
  return Number((BigInt(rem) * 1000000000n) / BigInt(unitsPerSecond));
}
