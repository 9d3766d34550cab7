import { u16 } from './bytes.ts';
import type { DecodeContext } from './context.ts';
import { DecodeStatus } from './status.ts';
import type { PacketView } from './view.ts';

const TCP_MIN_HEADER = 20;

/**
 * Decodes the TCP header at `at`; the segment's captured bytes end at `end` and its length
 * according to the IP header is `wireLength`. With the fixed 20 bytes present but the options cut
 * by the snap length, the segment still decodes: options are unavailable (see tcpOptionsOf) and
 * the whole payload counts as cut.
 */
export function decodeTcpHeader(
  buf: Buffer,
  at: number,
  end: number,
  wireLength: number,
  view: PacketView,
  ctx: DecodeContext,
): DecodeStatus {
  if (wireLength < TCP_MIN_HEADER) return ctx.malformed('tcp-segment-length');
  if (end - at < TCP_MIN_HEADER) return ctx.truncated('tcp');
  const headerLength = (buf[at + 12] >> 4) * 4;
  if (headerLength < TCP_MIN_HEADER || headerLength > wireLength) return ctx.malformed('tcp-data-offset');
  view.srcPort = u16(buf, at);
  view.dstPort = u16(buf, at + 2);
  // 32-bit fields as two u16 reads: V8 always inlines u16 (a tiny function) but not u32 once this
  // hot path has spent its inlining budget, and a u32 call returns a boxed number above 2^31.
  view.seq = u16(buf, at + 4) * 0x10000 + u16(buf, at + 6);
  view.ack = u16(buf, at + 8) * 0x10000 + u16(buf, at + 10);
  view.flags = buf[at + 13];
  view.window = u16(buf, at + 14);
  view.tcpOffset = at;
  view.tcpHeaderLength = headerLength;
  view.payloadWireLength = wireLength - headerLength;
  if (end - at < headerLength) {
    ctx.tcpOptionsCut++;
    view.payloadOffset = end;
    view.payloadLength = 0;
  } else {
    view.payloadOffset = at + headerLength;
    view.payloadLength = end - view.payloadOffset;
  }
  return DecodeStatus.TCP;
}
