import { createPcapWriter } from '../capture/pcap-writer.ts';
import { LinkType } from '../capture/record.ts';
import type { SyntheticPacket } from './http-traffic.ts';

/** Writes synthetic packets into an Ethernet pcap file; resolves to the packet count. */
export async function writeSyntheticCapture(
  path: string,
  packets: Iterable<SyntheticPacket>,
): Promise<number> {
  const writer = createPcapWriter(path, { linkType: LinkType.ETHERNET });
  let count = 0;
  for (const p of packets) {
    writer.write(Math.floor(p.tsUs / 1e6), (p.tsUs % 1e6) * 1000, p.frame);
    count++;
  }
  await writer.close();
  return count;
}
