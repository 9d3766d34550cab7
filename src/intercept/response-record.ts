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
  out.fill(0, offset, offset + RECORD_SIZE);
  const ip = view.ipOffset;
  view.buf.copy(out, offset, ip, ip + RECORD_IP_SIZE);
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
  const tcpEnd = Math.min(tcpCapturedEnd, view.tcpOffset + RECORD_TCP_MAX);
  view.buf.copy(out, offset + RECORD_IP_SIZE, view.tcpOffset, tcpEnd);
}

export function responseRecord(view: PacketView): Buffer {
  const out = Buffer.allocUnsafe(RECORD_SIZE);
  writeResponseRecord(view, out, 0);
  return out;
}
