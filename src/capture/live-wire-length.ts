import { DecodeContext } from '../packet/context.ts';
import { locateNetwork, NETWORK_FOUND, type NetworkLocation } from '../packet/link.ts';

/**
 * The length a packet had on the wire, recovered from its IP header. cap 0.2.1 reports only how
 * many bytes it copied (libpcap's snap length is fixed at 65535 there, and the copy stops at the
 * buffer size), so for a cut packet the original length must come from the packet itself.
 * Returns `capturedLength` when the headers needed are not present or not IP.
 */
export function wireLengthOf(linkType: number, buf: Buffer, capturedLength: number): number {
  if (locateNetwork(linkType, buf, 0, capturedLength, network, context) !== NETWORK_FOUND)
    return capturedLength;
  const ip = network.offset;
  if (ip >= capturedLength) return capturedLength;
  const version = network.version === 0 ? buf[ip] >> 4 : network.version;
  let ipLength = 0;
  if (version === 4 && ip + 4 <= capturedLength) ipLength = buf.readUInt16BE(ip + 2);
  else if (version === 6 && ip + 6 <= capturedLength) ipLength = 40 + buf.readUInt16BE(ip + 4);
  // An IPv4 total length of 0 means a TSO/GRO super-packet whose size the header does not tell.
  if (ipLength === 0) return capturedLength;
  return Math.max(capturedLength, ip + ipLength);
}

const network: NetworkLocation = { offset: 0, version: 0 };
/** Only needed for the link decoder's counters, which nobody reads here. */
const context = new DecodeContext();
