import { putU16, putU32 } from './bytes.ts';
import { internetChecksum, ipv4PseudoHeaderSum, ipv6PseudoHeaderSum } from './checksum.ts';
import { tcpOptionsLength, writeTcpOptions } from './encode-options.ts';
import type { TcpOptions } from './view.ts';

/** A TCP segment to send: addresses are numbers for IPv4 and 16-byte arrays for IPv6. */
export interface TcpSegmentSpec<Address extends number | Uint8Array = number | Uint8Array> {
  src: Address;
  dst: Address;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** TCP flags byte (see TcpFlag). */
  flags: number;
  window: number;
  options?: TcpOptions;
  payload?: Uint8Array;
  /** IPv4 TTL or IPv6 hop limit; 64 when absent. */
  ttl?: number;
  /** IPv4 only: identification (0 when absent) and DF (set when absent). */
  ipId?: number;
  dontFragment?: boolean;
}

const PROTOCOL_TCP = 6;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_HEADER = 20;
const MAX_IP_LENGTH = 65535;

function checkRoom(out: Uint8Array, offset: number, length: number): void {
  if (out.length - offset < length) {
    throw new RangeError(`packet needs ${length} bytes, the output buffer has ${out.length - offset}`);
  }
}

/** Writes the TCP header, options and payload at `at`; the checksum field is left 0. */
function writeTcpSegment(seg: TcpSegmentSpec, out: Uint8Array, at: number, headerLength: number): void {
  putU16(out, at, seg.srcPort);
  putU16(out, at + 2, seg.dstPort);
  putU32(out, at + 4, seg.seq);
  putU32(out, at + 8, seg.ack);
  out[at + 12] = (headerLength / 4) << 4;
  out[at + 13] = seg.flags;
  putU16(out, at + 14, seg.window);
  putU32(out, at + 16, 0);
  writeTcpOptions(seg.options, out, at + TCP_HEADER);
  if (seg.payload !== undefined) out.set(seg.payload, at + headerLength);
}

/**
 * Writes a complete IPv4 + TCP packet at out[offset] with correct IP header and TCP checksums.
 * Returns its length. Allocates nothing.
 */
export function writeIpv4Tcp(seg: TcpSegmentSpec<number>, out: Uint8Array, offset = 0): number {
  const tcpHeaderLength = TCP_HEADER + tcpOptionsLength(seg.options);
  const segmentLength = tcpHeaderLength + (seg.payload?.length ?? 0);
  const totalLength = IPV4_HEADER + segmentLength;
  if (totalLength > MAX_IP_LENGTH) throw new RangeError(`IPv4 packet of ${totalLength} bytes is over 65535`);
  checkRoom(out, offset, totalLength);
  out[offset] = 0x45;
  out[offset + 1] = 0;
  putU16(out, offset + 2, totalLength);
  putU16(out, offset + 4, seg.ipId ?? 0);
  out[offset + 6] = seg.dontFragment === false ? 0 : 0x40;
  out[offset + 7] = 0;
  out[offset + 8] = seg.ttl ?? 64;
  out[offset + 9] = PROTOCOL_TCP;
  putU16(out, offset + 10, 0);
  putU32(out, offset + 12, seg.src);
  putU32(out, offset + 16, seg.dst);
  putU16(out, offset + 10, internetChecksum(out, offset, IPV4_HEADER));
  const tcpAt = offset + IPV4_HEADER;
  writeTcpSegment(seg, out, tcpAt, tcpHeaderLength);
  const pseudo = ipv4PseudoHeaderSum(seg.src, seg.dst, PROTOCOL_TCP, segmentLength);
  putU16(out, tcpAt + 16, internetChecksum(out, tcpAt, segmentLength, pseudo));
  return totalLength;
}

/** Writes a complete IPv6 + TCP packet at out[offset] with a correct TCP checksum. Returns its length. */
export function writeIpv6Tcp(seg: TcpSegmentSpec<Uint8Array>, out: Uint8Array, offset = 0): number {
  const tcpHeaderLength = TCP_HEADER + tcpOptionsLength(seg.options);
  const segmentLength = tcpHeaderLength + (seg.payload?.length ?? 0);
  if (segmentLength > MAX_IP_LENGTH)
    throw new RangeError(`IPv6 payload of ${segmentLength} bytes is over 65535`);
  checkRoom(out, offset, IPV6_HEADER + segmentLength);
  putU32(out, offset, 0x60000000);
  putU16(out, offset + 4, segmentLength);
  out[offset + 6] = PROTOCOL_TCP;
  out[offset + 7] = seg.ttl ?? 64;
  out.set(seg.src, offset + 8);
  out.set(seg.dst, offset + 24);
  const tcpAt = offset + IPV6_HEADER;
  writeTcpSegment(seg, out, tcpAt, tcpHeaderLength);
  const pseudo = ipv6PseudoHeaderSum(seg.src, seg.dst, PROTOCOL_TCP, segmentLength);
  putU16(out, tcpAt + 16, internetChecksum(out, tcpAt, segmentLength, pseudo));
  return IPV6_HEADER + segmentLength;
}

/** An IPv4 + TCP packet: written into `out` (returned as a view of its first bytes) or a new Buffer. */
export function encodeIpv4Tcp(seg: TcpSegmentSpec<number>, out?: Buffer): Buffer {
  if (out !== undefined) return out.subarray(0, writeIpv4Tcp(seg, out));
  const packet = Buffer.allocUnsafe(
    IPV4_HEADER + TCP_HEADER + tcpOptionsLength(seg.options) + (seg.payload?.length ?? 0),
  );
  writeIpv4Tcp(seg, packet);
  return packet;
}

/** An IPv6 + TCP packet: written into `out` (returned as a view of its first bytes) or a new Buffer. */
export function encodeIpv6Tcp(seg: TcpSegmentSpec<Uint8Array>, out?: Buffer): Buffer {
  if (out !== undefined) return out.subarray(0, writeIpv6Tcp(seg, out));
  const packet = Buffer.allocUnsafe(
    IPV6_HEADER + TCP_HEADER + tcpOptionsLength(seg.options) + (seg.payload?.length ?? 0),
  );
  writeIpv6Tcp(seg, packet);
  return packet;
}
