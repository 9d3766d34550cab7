import { internetChecksum, ipv4PseudoHeaderSum, ipv6PseudoHeaderSum } from './checksum.ts';
import type { PacketView } from './view.ts';

const PROTOCOL_TCP = 6;

/**
 * Whether the decoded segment's TCP checksum is correct. False when the snap length cut the
 * segment (it cannot be checked). Captures taken on the sending host often carry partial
 * checksums (offload): do not reject packets on this.
 */
export function verifyTcpChecksum(view: PacketView): boolean {
  const headerPresent = view.payloadOffset === view.tcpOffset + view.tcpHeaderLength;
  if (!headerPresent || view.payloadLength !== view.payloadWireLength) return false;
  const length = view.tcpHeaderLength + view.payloadLength;
  const pseudo =
    view.ipVersion === 4
      ? ipv4PseudoHeaderSum(view.src4, view.dst4, PROTOCOL_TCP, length)
      : ipv6PseudoHeaderSum(view.src6, view.dst6, PROTOCOL_TCP, length);
  return internetChecksum(view.buf, view.tcpOffset, length, pseudo) === 0;
}
