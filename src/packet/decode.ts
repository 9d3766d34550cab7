import { type CaptureRecord, LinkType } from '../capture/record.ts';
import { u16 } from './bytes.ts';
import type { DecodeContext } from './context.ts';
import { decodeIpv4 } from './ipv4.ts';
import { decodeIpv6 } from './ipv6.ts';
import { ETHERTYPE_IPV4, locateNetwork, NETWORK_FOUND, type NetworkLocation } from './link.ts';
import type { DecodeStatus } from './status.ts';
import type { PacketView } from './view.ts';

const network: NetworkLocation = { offset: 0, version: 0 };

/**
 * Decodes the TCP/IP packet in buf[offset, offset + length) captured on `linkType` into the
 * reused `view`, and counts the outcome in `ctx`. The caller sets view.tsSec/tsNsec first (the
 * defragmenter times fragments out by them; decodeRecord does this). On TCP the view holds the
 * packet until the next call; for a reassembled datagram view.buf is the defragmenter's buffer.
 * Allocates nothing unless the packet is a fragment.
 */
export function decodeTcp(
  linkType: number,
  buf: Buffer,
  offset: number,
  length: number,
  view: PacketView,
  ctx: DecodeContext,
): DecodeStatus {
  const status = decodeNetwork(linkType, buf, offset, offset + length, view, ctx);
  ctx.statusCounts[status]++;
  return status;
}

function decodeNetwork(
  linkType: number,
  buf: Buffer,
  offset: number,
  end: number,
  view: PacketView,
  ctx: DecodeContext,
): DecodeStatus {
  // The common case, IPv4 over Ethernet, skips the general link-layer walk (a call per packet).
  if (linkType === LinkType.ETHERNET && end - offset >= 14 && u16(buf, offset + 12) === ETHERTYPE_IPV4) {
    return decodeIpv4(buf, offset + 14, end, view, ctx);
  }
  const found = locateNetwork(linkType, buf, offset, end, network, ctx);
  if (found !== NETWORK_FOUND) return found as DecodeStatus;
  const at = network.offset;
  let version: number = network.version;
  if (version === 0) {
    if (at >= end) return ctx.truncated('link');
    version = buf[at] >> 4;
  }
  if (version === 4) return decodeIpv4(buf, at, end, view, ctx);
  if (version === 6) return decodeIpv6(buf, at, end, view, ctx);
  return ctx.malformed('ip-version');
}

/** decodeTcp for a capture record: copies its timestamp into the view first. */
export function decodeRecord(record: CaptureRecord, view: PacketView, ctx: DecodeContext): DecodeStatus {
  view.tsSec = record.tsSec;
  view.tsNsec = record.tsNsec;
  // Whole as the record says it: an original length of 0 or below the captured one says nothing.
  ctx.frameWhole = record.originalLength === record.capturedLength;
  return decodeTcp(record.linkType, record.buf, record.offset, record.capturedLength, view, ctx);
}
