export { endpointText, formatIpv4, formatIpv6, hostPort, parseIpv4, parseIpv6 } from './address.ts';
export { finishChecksum, internetChecksum, onesComplementSum } from './checksum.ts';
export { DecodeContext, type DecodeSummary } from './context.ts';
export { decodeRecord, decodeTcp } from './decode.ts';
export { Defragmenter, type DefragmentLimits, defaultDefragmentLimits } from './defragment.ts';
export {
  encodeIpv4Tcp,
  encodeIpv6Tcp,
  type TcpSegmentSpec,
  writeIpv4Tcp,
  writeIpv6Tcp,
} from './encode.ts';
export { tcpOptionsLength } from './encode-options.ts';
export {
  DecodeStatus,
  type DecodeStatusName,
  decodeStatusNames,
  type MalformedReason,
  type TruncatedHeader,
} from './status.ts';
export { verifyTcpChecksum } from './tcp-checksum.ts';
export { parseTcpOptions, TcpOptionKind, tcpOptionsOf } from './tcp-options.ts';
export { newPacketView, type PacketView, TcpFlag, type TcpOptions } from './view.ts';
