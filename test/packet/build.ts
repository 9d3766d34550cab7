// Hand-built packets for the packet decoder tests: link-layer wrappers around IP packets, and
// IPv4/IPv6 fragments cut from a whole datagram.
import {
  encodeIpv4Tcp,
  encodeIpv6Tcp,
  internetChecksum,
  parseIpv4,
  parseIpv6,
  type TcpSegmentSpec,
} from '../../src/packet/index.ts';

export const CLIENT4 = parseIpv4('10.1.2.3');
export const SERVER4 = parseIpv4('192.168.7.9');
export const CLIENT6 = parseIpv6('2001:db8::1');
export const SERVER6 = parseIpv6('2001:db8::2:0:9');

const base = { srcPort: 40000, dstPort: 80, seq: 0xfffffff0, ack: 12345, flags: 0x18, window: 502 };

export function tcp4(overrides: Partial<TcpSegmentSpec<number>> = {}): Buffer {
  return encodeIpv4Tcp({
    ...base,
    src: CLIENT4,
    dst: SERVER4,
    payload: Buffer.from('GET / HTTP/1.1\r\n\r\n'),
    ...overrides,
  });
}

export function tcp6(overrides: Partial<TcpSegmentSpec<Uint8Array>> = {}): Buffer {
  return encodeIpv6Tcp({
    ...base,
    src: CLIENT6,
    dst: SERVER6,
    payload: Buffer.from('GET / HTTP/1.1\r\n\r\n'),
    ...overrides,
  });
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

const MACS = Buffer.from('020000000001020000000002', 'hex');

export function ethernet(
  etherType: number,
  payload: Buffer,
  ...tags: Array<[tpid: number, tci: number]>
): Buffer {
  const parts: Buffer[] = [MACS];
  for (const [tpid, tci] of tags) parts.push(u16(tpid), u16(tci));
  parts.push(u16(etherType), payload);
  return Buffer.concat(parts);
}

/** MPLS label stack entries: label, bottom-of-stack on the last one. */
export function mpls(labels: number[], payload: Buffer): Buffer {
  const entries = labels.map((label, i) => {
    const entry = Buffer.alloc(4);
    entry.writeUInt32BE(((label << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64) >>> 0);
    return entry;
  });
  return Buffer.concat([...entries, payload]);
}

export function pppoeSession(pppProtocol: number, payload: Buffer): Buffer {
  const header = Buffer.from([0x11, 0x00, 0x12, 0x34, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 4);
  return Buffer.concat([header, u16(pppProtocol), payload]);
}

export function linuxSll(protocol: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0, 0); // sent to us
  header.writeUInt16BE(1, 2); // ARPHRD_ETHER
  header.writeUInt16BE(6, 4);
  header.writeUInt16BE(protocol, 14);
  return Buffer.concat([header, payload]);
}

export function linuxSll2(protocol: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(protocol, 0);
  header.writeUInt32BE(2, 4); // interface index
  header.writeUInt16BE(1, 8); // ARPHRD_ETHER
  header[11] = 6;
  return Buffer.concat([header, payload]);
}

export function bsdFamily(family: number, littleEndian: boolean, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  if (littleEndian) header.writeUInt32LE(family);
  else header.writeUInt32BE(family);
  return Buffer.concat([header, payload]);
}

/** Rewrites an IPv4 header field and fixes the header checksum. */
export function patchIpv4(packet: Buffer, patch: (p: Buffer) => void): Buffer {
  const copy = Buffer.from(packet);
  patch(copy);
  const headerLength = (copy[0] & 0x0f) * 4;
  copy.writeUInt16BE(0, 10);
  if (headerLength >= 20 && headerLength <= copy.length)
    copy.writeUInt16BE(internetChecksum(copy, 0, headerLength), 10);
  return copy;
}

/** An IPv4 fragment of `datagram` (a whole IPv4 packet with a 20-byte header): payload bytes [start, end). */
export function ipv4Fragment(
  datagram: Buffer,
  start: number,
  end: number,
  more: boolean,
  data?: Buffer,
): Buffer {
  const header = Buffer.from(datagram.subarray(0, 20));
  const body = data ?? datagram.subarray(20 + start, 20 + end);
  header.writeUInt16BE(20 + body.length, 2);
  header.writeUInt16BE((more ? 0x2000 : 0) | (start / 8), 6);
  header.writeUInt16BE(0, 10);
  header.writeUInt16BE(internetChecksum(header, 0, 20), 10);
  return Buffer.concat([header, body]);
}

/** An IPv6 fragment of `datagram` (a whole IPv6 packet without extension headers). */
export function ipv6Fragment(
  datagram: Buffer,
  start: number,
  end: number,
  more: boolean,
  id = 0x1234,
): Buffer {
  const header = Buffer.from(datagram.subarray(0, 40));
  const fragmentHeader = Buffer.alloc(8);
  fragmentHeader[0] = datagram[6];
  fragmentHeader.writeUInt16BE(start | (more ? 1 : 0), 2);
  fragmentHeader.writeUInt32BE(id, 4);
  const body = datagram.subarray(40 + start, 40 + end);
  header.writeUInt16BE(8 + body.length, 4);
  header[6] = 44;
  return Buffer.concat([header, fragmentHeader, body]);
}

/** Inserts IPv6 extension headers (each given as [type, bytes with byte 0 to be set]) before the upper layer. */
export function withIpv6Extensions(packet: Buffer, extensions: Array<[type: number, body: Buffer]>): Buffer {
  const header = Buffer.from(packet.subarray(0, 40));
  const upper = packet.subarray(40);
  let next = header[6];
  const bodies: Buffer[] = [];
  for (let i = extensions.length - 1; i >= 0; i--) {
    const [type, body] = extensions[i];
    const copy = Buffer.from(body);
    copy[0] = next;
    next = type;
    bodies.unshift(copy);
  }
  header[6] = next;
  const payload = Buffer.concat([...bodies, upper]);
  header.writeUInt16BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
