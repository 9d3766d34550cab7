/**
 * The header of one gzip member (RFC 1952, section 2.3): a fixed 10 bytes, then the optional
 * extra field, file name, comment and header CRC its flags announce. Pure: bytes in, a length
 * or a named problem out.
 */
import { crc32 } from './crc32.ts';

export const GZIP_MAGIC: readonly number[] = [0x1f, 0x8b];
/** CRC32 and the inflated length (mod 2^32), both little-endian. */
export const GZIP_TRAILER_BYTES = 8;

const FIXED_BYTES = 10;
const DEFLATE = 8;
const FLAG_HEADER_CRC = 0x02;
const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;
const FLAG_COMMENT = 0x10;
const FLAGS_RESERVED = 0xe0;

export type GzipHeader =
  | { kind: 'header'; length: number }
  /** The header goes on past the bytes given. */
  | { kind: 'need-more' }
  | { kind: 'bad'; problem: string };

/** Reads the member header at the start of `bytes`, which must begin with GZIP_MAGIC. */
export function parseGzipHeader(bytes: Buffer): GzipHeader {
  if (bytes.length > 2 && bytes[2] !== DEFLATE) {
    return { kind: 'bad', problem: `unknown compression method ${bytes[2]}` };
  }
  const flags = bytes[3];
  if (bytes.length > 3 && (flags & FLAGS_RESERVED) !== 0)
    return { kind: 'bad', problem: 'unknown header flags set' };
  if (bytes.length < FIXED_BYTES) return { kind: 'need-more' };
  let at = FIXED_BYTES;
  if (flags & FLAG_EXTRA) {
    if (bytes.length < at + 2) return { kind: 'need-more' };
    at += 2 + bytes.readUInt16LE(at);
  }
  for (const flag of [FLAG_NAME, FLAG_COMMENT]) {
    if ((flags & flag) === 0) continue;
    const zero = bytes.indexOf(0, at);
    if (zero < 0) return { kind: 'need-more' };
    at = zero + 1;
  }
  if (flags & FLAG_HEADER_CRC) {
    if (bytes.length < at + 2) return { kind: 'need-more' };
    if (bytes.readUInt16LE(at) !== (crc32(bytes.subarray(0, at)) & 0xffff)) {
      return { kind: 'bad', problem: 'header crc mismatch' };
    }
    at += 2;
  }
  return bytes.length < at ? { kind: 'need-more' } : { kind: 'header', length: at };
}
