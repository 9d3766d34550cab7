/** Unsigned integer reads without bounds checks: callers have checked the lengths already. */

export function u32le(buf: Buffer, p: number): number {
  return (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16)) + buf[p + 3] * 0x1000000;
}

export function u32be(buf: Buffer, p: number): number {
  return buf[p] * 0x1000000 + ((buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]);
}

function u16le(buf: Buffer, p: number): number {
  return buf[p] | (buf[p + 1] << 8);
}

function u16be(buf: Buffer, p: number): number {
  return (buf[p] << 8) | buf[p + 1];
}

export function u32(buf: Buffer, p: number, littleEndian: boolean): number {
  return littleEndian ? u32le(buf, p) : u32be(buf, p);
}

export function u16(buf: Buffer, p: number, littleEndian: boolean): number {
  return littleEndian ? u16le(buf, p) : u16be(buf, p);
}

/** The first bytes of a file as hex, for error messages. */
export function hexBytes(buf: Buffer, start: number, end: number): string {
  return [...buf.subarray(start, end)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
