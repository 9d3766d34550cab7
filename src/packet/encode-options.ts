import { putU16, putU32 } from './bytes.ts';
import { TcpOptionKind } from './tcp-options.ts';
import type { TcpOptions } from './view.ts';

const MAX_OPTIONS_LENGTH = 40;
const NOP = TcpOptionKind.NOP;

/**
 * Bytes the options take in the canonical layout that Linux sends, every option 4-byte aligned
 * with NOPs: MSS; SACK-permitted + timestamps (or NOP NOP + either); NOP + window scale;
 * NOP NOP + SACK blocks. Throws a RangeError when they do not fit in 40 bytes.
 */
export function tcpOptionsLength(options: TcpOptions | undefined): number {
  if (options === undefined) return 0;
  let length = 0;
  if (options.mss !== undefined) length += 4;
  if (options.tsVal !== undefined) length += 12;
  else if (options.sackPermitted) length += 4;
  if (options.windowScale !== undefined) length += 4;
  if (options.sack !== undefined && options.sack.length > 0) length += 4 + 8 * options.sack.length;
  if (length > MAX_OPTIONS_LENGTH) {
    throw new RangeError(
      `TCP options need ${length} bytes, more than the ${MAX_OPTIONS_LENGTH} a header holds`,
    );
  }
  return length;
}

/** Writes the options (layout of tcpOptionsLength) at `at`; returns the bytes written. */
export function writeTcpOptions(options: TcpOptions | undefined, out: Uint8Array, at: number): number {
  if (options === undefined) return 0;
  const start = at;
  if (options.mss !== undefined) {
    out[at] = TcpOptionKind.MSS;
    out[at + 1] = 4;
    putU16(out, at + 2, options.mss);
    at += 4;
  }
  if (options.tsVal !== undefined) {
    if (options.sackPermitted) {
      out[at] = TcpOptionKind.SACK_PERMITTED;
      out[at + 1] = 2;
    } else {
      out[at] = NOP;
      out[at + 1] = NOP;
    }
    out[at + 2] = TcpOptionKind.TIMESTAMPS;
    out[at + 3] = 10;
    putU32(out, at + 4, options.tsVal);
    putU32(out, at + 8, options.tsEcr ?? 0);
    at += 12;
  } else if (options.sackPermitted) {
    out[at] = NOP;
    out[at + 1] = NOP;
    out[at + 2] = TcpOptionKind.SACK_PERMITTED;
    out[at + 3] = 2;
    at += 4;
  }
  if (options.windowScale !== undefined) {
    out[at] = NOP;
    out[at + 1] = TcpOptionKind.WINDOW_SCALE;
    out[at + 2] = 3;
    out[at + 3] = options.windowScale;
    at += 4;
  }
  const sack = options.sack;
  if (sack !== undefined && sack.length > 0) {
    out[at] = NOP;
    out[at + 1] = NOP;
    out[at + 2] = TcpOptionKind.SACK;
    out[at + 3] = 2 + 8 * sack.length;
    at += 4;
    for (const [left, right] of sack) {
      putU32(out, at, left);
      putU32(out, at + 4, right);
      at += 8;
    }
  }
  return at - start;
}
