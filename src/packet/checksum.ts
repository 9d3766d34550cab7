/**
 * Sum of big-endian 16-bit words (RFC 1071), not folded and not complemented, so that partial
 * sums (pseudo-header, header, payload) can be chained through `initial`. An odd trailing byte is
 * padded with zero. Exact up to 2^53, far beyond any packet.
 */
export function onesComplementSum(buf: Uint8Array, offset: number, length: number, initial = 0): number {
  let sum = initial;
  const end = offset + length;
  const pairsEnd = end - 1;
  let i = offset;
  for (; i < pairsEnd; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

/** Folds a sum to 16 bits and complements it: the value to write in a checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/**
 * The Internet checksum of buf[offset, offset + length), starting from the partial sum `initial`.
 * Over data that includes a correct checksum field, the result is 0.
 */
export function internetChecksum(buf: Uint8Array, offset: number, length: number, initial = 0): number {
  return finishChecksum(onesComplementSum(buf, offset, length, initial));
}

/** Partial sum of the IPv4 pseudo-header for an upper-layer segment. */
export function ipv4PseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/** Partial sum of the IPv6 pseudo-header (RFC 8200 section 8.1). */
export function ipv6PseudoHeaderSum(
  src: Uint8Array,
  dst: Uint8Array,
  protocol: number,
  length: number,
): number {
  const sum = onesComplementSum(src, 0, 16, onesComplementSum(dst, 0, 16));
  return sum + protocol + (length >>> 16) + (length & 0xffff);
}
