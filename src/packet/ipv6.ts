import { u16, u32 } from './bytes.ts';
import type { DecodeContext } from './context.ts';
import { FragmentOutcome } from './defragment.ts';
import { DecodeStatus } from './status.ts';
import { decodeTcpHeader } from './tcp.ts';
import type { PacketView } from './view.ts';

const HEADER_LENGTH = 40;
const TCP = 6;
const FRAGMENT = 44;
const AUTHENTICATION = 51;

/** Extension headers whose length is (byte 1 + 1) * 8 (RFC 8200 section 4, RFC 6564). */
function isGenericExtension(header: number): boolean {
  switch (header) {
    case 0: // hop-by-hop options
    case 43: // routing
    case 60: // destination options
    case 135: // mobility
    case 139: // HIP
    case 140: // shim6
    case 253: // experimental
    case 254:
      return true;
    default:
      return false;
  }
}

/**
 * Decodes the IPv6 packet at `at`, skipping extension headers. Atomic fragments (offset 0, M=0)
 * are skipped like any extension header; real fragments go to the defragmenter. A payload length
 * of 0 (jumbogram or TSO capture) is taken as "as captured".
 */
export function decodeIpv6(
  buf: Buffer,
  at: number,
  end: number,
  view: PacketView,
  ctx: DecodeContext,
): DecodeStatus {
  if (end - at < HEADER_LENGTH) return ctx.truncated('ipv6');
  if (buf[at] >> 4 !== 6) return ctx.malformed('ip-version');
  let payloadLength = u16(buf, at + 4);
  if (payloadLength === 0) payloadLength = end - at - HEADER_LENGTH;
  else if (ctx.frameWhole && payloadLength > end - at - HEADER_LENGTH && end - at >= HEADER_LENGTH) {
    ctx.ipLengthBeyondFrame++; // as in ipv4.ts: the frame is whole, the length field wrong
    payloadLength = end - at - HEADER_LENGTH;
  }
  const wireEnd = at + HEADER_LENGTH + payloadLength;
  const packetEnd = Math.min(end, wireEnd);
  let header = buf[at + 6];
  let p = at + HEADER_LENGTH;
  for (;;) {
    if (header === TCP) break;
    let length: number;
    if (isGenericExtension(header) || header === AUTHENTICATION || header === FRAGMENT) {
      if (p + 2 > wireEnd) return ctx.malformed('ipv6-extension-length');
      if (p + 2 > packetEnd) return ctx.truncated('ipv6-extension');
      length =
        header === FRAGMENT ? 8 : header === AUTHENTICATION ? (buf[p + 1] + 2) * 4 : (buf[p + 1] + 1) * 8;
      if (p + length > wireEnd) return ctx.malformed('ipv6-extension-length');
      if (p + length > packetEnd) return ctx.truncated('ipv6-extension');
    } else {
      return ctx.notTcp(header);
    }
    if (header === FRAGMENT) {
      const fragmentField = u16(buf, p + 2);
      if ((fragmentField & 0xfff9) !== 0)
        return decodeIpv6Fragment(buf, at, p, wireEnd, packetEnd, view, ctx);
      ctx.ipv6AtomicFragments++;
    }
    header = buf[p];
    p += length;
  }
  view.ipVersion = 6;
  for (let i = 0; i < 16; i++) {
    view.src6[i] = buf[at + 8 + i];
    view.dst6[i] = buf[at + 24 + i];
  }
  view.ttl = buf[at + 7];
  view.buf = buf;
  view.ipOffset = at;
  view.ipHeaderLength = p - at;
  return decodeTcpHeader(buf, p, packetEnd, wireEnd - p, view, ctx);
}

function decodeIpv6Fragment(
  buf: Buffer,
  at: number,
  fragmentHeader: number,
  wireEnd: number,
  packetEnd: number,
  view: PacketView,
  ctx: DecodeContext,
): DecodeStatus {
  ctx.fragmentsSeen++;
  const nextHeader = buf[fragmentHeader];
  if (nextHeader !== TCP && !isGenericExtension(nextHeader) && nextHeader !== AUTHENTICATION) {
    return ctx.notTcp(nextHeader);
  }
  if (packetEnd < wireEnd) return ctx.truncated('fragment');
  const fragmentField = u16(buf, fragmentHeader + 2);
  const dataOffset = fragmentHeader + 8;
  const defragmenter = ctx.defragmenter;
  const outcome = defragmenter.add({
    key: `6:${buf.toString('hex', at + 8, at + 40)}:${u32(buf, fragmentHeader + 4)}`,
    version: 6,
    timeSec: view.tsSec,
    offset: fragmentField & 0xfff8,
    more: (fragmentField & 1) === 1,
    buf,
    dataOffset,
    dataLength: wireEnd - dataOffset,
    headerOffset: at,
    headerLength: HEADER_LENGTH,
    nextHeader,
  });
  if (outcome === FragmentOutcome.HELD) return DecodeStatus.FRAGMENT_HELD;
  if (outcome === FragmentOutcome.REJECTED) return ctx.malformed(defragmenter.rejectReason!);
  return decodeIpv6(defragmenter.datagram, 0, defragmenter.datagramLength, view, ctx);
}
