import { u16, u32 } from './bytes.ts';
import type { DecodeContext } from './context.ts';
import { FragmentOutcome } from './defragment.ts';
import { DecodeStatus } from './status.ts';
import { decodeTcpHeader } from './tcp.ts';
import type { PacketView } from './view.ts';

const PROTOCOL_TCP = 6;
const MORE_FRAGMENTS = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;

/**
 * Decodes the IPv4 packet at `at` (captured bytes end at `end`). The total length field bounds
 * the packet (stripping Ethernet padding); 0 is taken as "as captured" (TSO captures on the
 * sending host). Fragments go to the defragmenter; a completed datagram is decoded from its buffer.
 */
export function decodeIpv4(
  buf: Buffer,
  at: number,
  end: number,
  view: PacketView,
  ctx: DecodeContext,
): DecodeStatus {
  if (end - at < 20) return ctx.truncated('ipv4');
  if (buf[at] >> 4 !== 4) return ctx.malformed('ip-version');
  const headerLength = (buf[at] & 0x0f) * 4;
  if (headerLength < 20) return ctx.malformed('ipv4-header-length');
  let totalLength = u16(buf, at + 2);
  if (totalLength === 0) totalLength = end - at;
  else if (ctx.frameWhole && totalLength > end - at && end - at >= headerLength) {
    // The record says the frame is whole: the bytes its IP header claims beyond it are not
    // payload the snap length cut (most often a length copied from another packet), and the
    // segment is read to the frame's end; bytes the stream misses then show as a gap.
    ctx.ipLengthBeyondFrame++;
    totalLength = end - at;
  }
  if (totalLength < headerLength) return ctx.malformed('ipv4-total-length');
  if (end - at < headerLength) return ctx.truncated('ipv4');
  const packetEnd = Math.min(end, at + totalLength);
  const protocol = buf[at + 9];
  const fragmentField = u16(buf, at + 6);
  if ((fragmentField & (MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) !== 0) {
    return decodeIpv4Fragment(buf, at, headerLength, totalLength, packetEnd, fragmentField, view, ctx);
  }
  if (protocol !== PROTOCOL_TCP) return ctx.notTcp(protocol);
  view.ipVersion = 4;
  // Two u16 reads rather than u32, which V8 does not inline here (see decodeTcpHeader).
  view.src4 = u16(buf, at + 12) * 0x10000 + u16(buf, at + 14);
  view.dst4 = u16(buf, at + 16) * 0x10000 + u16(buf, at + 18);
  view.ttl = buf[at + 8];
  view.buf = buf;
  view.ipOffset = at;
  view.ipHeaderLength = headerLength;
  return decodeTcpHeader(buf, at + headerLength, packetEnd, totalLength - headerLength, view, ctx);
}

function decodeIpv4Fragment(
  buf: Buffer,
  at: number,
  headerLength: number,
  totalLength: number,
  packetEnd: number,
  fragmentField: number,
  view: PacketView,
  ctx: DecodeContext,
): DecodeStatus {
  ctx.fragmentsSeen++;
  const protocol = buf[at + 9];
  if (protocol !== PROTOCOL_TCP) return ctx.notTcp(protocol);
  if (packetEnd - at < totalLength) return ctx.truncated('fragment');
  const defragmenter = ctx.defragmenter;
  const outcome = defragmenter.add({
    key: `4:${u32(buf, at + 12)}:${u32(buf, at + 16)}:${u16(buf, at + 4)}:${protocol}`,
    version: 4,
    timeSec: view.tsSec,
    offset: (fragmentField & FRAGMENT_OFFSET_MASK) * 8,
    more: (fragmentField & MORE_FRAGMENTS) !== 0,
    buf,
    dataOffset: at + headerLength,
    dataLength: totalLength - headerLength,
    headerOffset: at,
    headerLength,
    nextHeader: protocol,
  });
  if (outcome === FragmentOutcome.HELD) return DecodeStatus.FRAGMENT_HELD;
  if (outcome === FragmentOutcome.REJECTED) return ctx.malformed(defragmenter.rejectReason!);
  return decodeIpv4(defragmenter.datagram, 0, defragmenter.datagramLength, view, ctx);
}
