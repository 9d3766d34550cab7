import type { PacketView } from '../packet/view.ts';
import { RECORD_IP_SIZE, RECORD_SIZE, RECORD_TCP_MAX } from './wire.ts';

/**
 * Writes the 64-byte wire record of a captured IPv4 response into `out` at `offset`: the IPv4
 * header, the TCP header and up to 24 bytes of its options, zero-padded.
 *
 * The replayer finds the TCP header at byte 20 of a record, so IPv4 options cannot travel. Unlike
 * intercept 1.0 (which copies the first 20 bytes as they are, leaving an IHL that points past the
 * TCP header), reprise drops them consistently: IHL becomes 5 and the total length shrinks by the
 * option bytes, so "total length - 20 - TCP header length" is still the payload length. The IP
 * checksum is left as captured (captured checksums are not trustworthy anyway: offload).
 * TCP options beyond 24 bytes are cut, as in intercept 1.0; the data offset is kept as captured.
 */
export function writeResponseRecord(view: PacketView, out: Buffer, offset: number): void {
  const ip = view.ipOffset;
  copyBytes(view.buf, ip, out, offset, RECORD_IP_SIZE);
  const ipOptionBytes = view.ipHeaderLength - RECORD_IP_SIZE;
  if (ipOptionBytes > 0) {
    out[offset] = (out[offset] & 0xf0) | 5;
    const totalLength = out.readUInt16BE(offset + 2);
    out.writeUInt16BE(Math.max(0, totalLength - ipOptionBytes), offset + 2);
  }
  // When the snap length cut the options, the decoder put the payload offset at the captured end.
  const tcpCapturedEnd = Math.min(
    view.tcpOffset + view.tcpHeaderLength,
    view.payloadOffset + view.payloadLength,
  );
  const tcpBytes = Math.min(tcpCapturedEnd, view.tcpOffset + RECORD_TCP_MAX) - view.tcpOffset;
  copyBytes(view.buf, view.tcpOffset, out, offset + RECORD_IP_SIZE, tcpBytes);
  out.fill(0, offset + RECORD_IP_SIZE + tcpBytes, offset + RECORD_SIZE);
}

/** A plain loop: for a few dozen bytes, cheaper than Buffer.copy's argument checks (once per response). */
function copyBytes(from: Uint8Array, start: number, to: Uint8Array, at: number, length: number): void {
  for (let i = 0; i < length; i++) to[at + i] = from[start + i];
}

export function responseRecord(view: PacketView): Buffer {
  const out = Buffer.allocUnsafe(RECORD_SIZE);
  writeResponseRecord(view, out, 0);
  return out;
}
