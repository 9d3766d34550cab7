/**
 * A decoded packet, written in place by the decoder into one reused object so that the read
 * path allocates nothing per packet. Offsets point into `buf`, which is the capture record's
 * buffer (or, for a reassembled IPv4/IPv6 datagram, a buffer the defragmenter owns).
 */
export interface PacketView {
  /** Capture time of the packet (of the last fragment, for a reassembled datagram). */
  tsSec: number;
  tsNsec: number;
  ipVersion: 4 | 6;
  /** IPv4 addresses as unsigned 32-bit integers (valid when ipVersion === 4). */
  src4: number;
  dst4: number;
  /** IPv6 addresses (valid when ipVersion === 6): 16 bytes each, owned by the view and overwritten per packet. */
  src6: Uint8Array;
  dst6: Uint8Array;
  ttl: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** TCP flags byte (FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80). */
  flags: number;
  window: number;
  buf: Buffer;
  /** Offset and length of the IP header (first header, for IPv6 including extension headers). */
  ipOffset: number;
  ipHeaderLength: number;
  /** Offset of the TCP header, and its length from the data-offset field (options included). */
  tcpOffset: number;
  tcpHeaderLength: number;
  /** TCP payload bytes present in the capture, at buf[payloadOffset, payloadOffset + payloadLength). */
  payloadOffset: number;
  payloadLength: number;
  /** TCP payload length according to the IP header: larger than payloadLength when the snap length cut it. */
  payloadWireLength: number;
}

export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

export function newPacketView(): PacketView {
  return {
    tsSec: 0,
    tsNsec: 0,
    ipVersion: 4,
    src4: 0,
    dst4: 0,
    src6: new Uint8Array(16),
    dst6: new Uint8Array(16),
    ttl: 0,
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 0,
    buf: Buffer.alloc(0),
    ipOffset: 0,
    ipHeaderLength: 0,
    tcpOffset: 0,
    tcpHeaderLength: 0,
    payloadOffset: 0,
    payloadLength: 0,
    payloadWireLength: 0,
  };
}

/** Parsed TCP options (see packet/tcp-options.ts). */
export interface TcpOptions {
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  sack?: Array<[number, number]>;
  tsVal?: number;
  tsEcr?: number;
}

/** A copy of the view that owns its bytes (the IP packet as captured): for a packet kept past the next one. */
export function copyPacketView(view: PacketView): PacketView {
  const start = view.ipOffset;
  const end = view.payloadOffset + view.payloadLength;
  return {
    ...view,
    src6: view.src6.slice(),
    dst6: view.dst6.slice(),
    buf: Buffer.from(view.buf.subarray(start, end)),
    ipOffset: 0,
    tcpOffset: view.tcpOffset - start,
    payloadOffset: view.payloadOffset - start,
  };
}
