import { LinkType } from '../capture/record.ts';
import { u16, u32 } from './bytes.ts';
import type { DecodeContext } from './context.ts';
import { DecodeStatus } from './status.ts';

/** Where the network layer starts. `version` 0: not said by the link layer, read the version nibble. */
export interface NetworkLocation {
  offset: number;
  version: 0 | 4 | 6;
}

/** Returned by the link decoders when `out` was filled; any other value is the packet's final status. */
export const NETWORK_FOUND = -1;

export const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const ETHERTYPE_QINQ_OLD2 = 0x9200;
const ETHERTYPE_MPLS = 0x8847;
const ETHERTYPE_MPLS_MULTICAST = 0x8848;
const ETHERTYPE_PPPOE_SESSION = 0x8864;
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
const ARPHRD_NETLINK = 824;

function found(out: NetworkLocation, offset: number, version: 0 | 4 | 6): number {
  out.offset = offset;
  out.version = version;
  return NETWORK_FOUND;
}

/** Follows an EtherType through VLAN tags, MPLS labels and PPPoE to IPv4 or IPv6. */
function decodeEtherType(
  type: number,
  buf: Buffer,
  at: number,
  end: number,
  out: NetworkLocation,
  ctx: DecodeContext,
): number {
  for (;;) {
    switch (type) {
      case ETHERTYPE_IPV4:
        return found(out, at, 4);
      case ETHERTYPE_IPV6:
        return found(out, at, 6);
      case ETHERTYPE_VLAN:
      case ETHERTYPE_QINQ:
      case ETHERTYPE_QINQ_OLD:
      case ETHERTYPE_QINQ_OLD2:
        if (at + 4 > end) return ctx.truncated('link');
        type = u16(buf, at + 2);
        at += 4;
        break;
      case ETHERTYPE_MPLS:
      case ETHERTYPE_MPLS_MULTICAST:
        return decodeMplsStack(buf, at, end, out, ctx);
      case ETHERTYPE_PPPOE_SESSION:
        return decodePppoeSession(buf, at, end, out, ctx);
      default:
        return DecodeStatus.NOT_IP;
    }
  }
}

function decodeMplsStack(buf: Buffer, at: number, end: number, out: NetworkLocation, ctx: DecodeContext) {
  let bottomOfStack = false;
  while (!bottomOfStack) {
    if (at + 4 > end) return ctx.truncated('link');
    bottomOfStack = (buf[at + 2] & 1) === 1;
    at += 4;
  }
  if (at >= end) return ctx.truncated('link');
  const version = buf[at] >> 4;
  if (version === 4 || version === 6) return found(out, at, version);
  return DecodeStatus.NOT_IP;
}

function decodePppoeSession(buf: Buffer, at: number, end: number, out: NetworkLocation, ctx: DecodeContext) {
  // PPPoE header (version/type, code, session id, length), then the 2-byte PPP protocol.
  if (at + 8 > end) return ctx.truncated('link');
  const protocol = u16(buf, at + 6);
  if (protocol === PPP_IPV4) return found(out, at + 8, 4);
  if (protocol === PPP_IPV6) return found(out, at + 8, 6);
  return DecodeStatus.NOT_IP;
}

function decodeEthernet(buf: Buffer, at: number, end: number, out: NetworkLocation, ctx: DecodeContext) {
  if (at + 14 > end) return ctx.truncated('link');
  return decodeEtherType(u16(buf, at + 12), buf, at + 14, end, out, ctx);
}

function decodeLinuxSll(buf: Buffer, at: number, end: number, out: NetworkLocation, ctx: DecodeContext) {
  if (at + 16 > end) return ctx.truncated('link');
  if (u16(buf, at + 2) === ARPHRD_NETLINK) return DecodeStatus.NOT_IP;
  return decodeEtherType(u16(buf, at + 14), buf, at + 16, end, out, ctx);
}

function decodeLinuxSll2(buf: Buffer, at: number, end: number, out: NetworkLocation, ctx: DecodeContext) {
  if (at + 20 > end) return ctx.truncated('link');
  if (u16(buf, at + 8) === ARPHRD_NETLINK) return DecodeStatus.NOT_IP;
  return decodeEtherType(u16(buf, at), buf, at + 20, end, out, ctx);
}

/** BSD address families for IPv6 differ per OS: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). */
function familyVersion(family: number): 0 | 4 | 6 {
  if (family === 2) return 4;
  if (family === 24 || family === 28 || family === 30) return 6;
  return 0;
}

/** NULL: the family is in the capturing host's byte order, which the file does not record. */
function decodeBsdNull(buf: Buffer, at: number, end: number, out: NetworkLocation, ctx: DecodeContext) {
  if (at + 4 > end) return ctx.truncated('link');
  let family = buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24);
  if (family >>> 16 !== 0) family = u32(buf, at);
  const version = familyVersion(family);
  return version === 0 ? DecodeStatus.NOT_IP : found(out, at + 4, version);
}

function decodeBsdLoop(buf: Buffer, at: number, end: number, out: NetworkLocation, ctx: DecodeContext) {
  if (at + 4 > end) return ctx.truncated('link');
  const version = familyVersion(u32(buf, at));
  return version === 0 ? DecodeStatus.NOT_IP : found(out, at + 4, version);
}

/**
 * Finds the network header of a packet captured on `linkType`. Returns NETWORK_FOUND (and fills
 * `out`) or the packet's final status. ETHERNET_MPACKET (274) carries preambles and mPacket
 * fragments, not plain frames, so it is UNSUPPORTED_LINK like any unknown link type.
 */
export function locateNetwork(
  linkType: number,
  buf: Buffer,
  at: number,
  end: number,
  out: NetworkLocation,
  ctx: DecodeContext,
): number {
  switch (linkType) {
    case LinkType.ETHERNET:
      return decodeEthernet(buf, at, end, out, ctx);
    case LinkType.LINUX_SLL:
      return decodeLinuxSll(buf, at, end, out, ctx);
    case LinkType.LINUX_SLL2:
      return decodeLinuxSll2(buf, at, end, out, ctx);
    case LinkType.NULL:
      return decodeBsdNull(buf, at, end, out, ctx);
    case LinkType.LOOP:
      return decodeBsdLoop(buf, at, end, out, ctx);
    case LinkType.RAW:
      return found(out, at, 0);
    case LinkType.IPV4:
      return found(out, at, 4);
    case LinkType.IPV6:
      return found(out, at, 6);
    default:
      return DecodeStatus.UNSUPPORTED_LINK;
  }
}
