/**
 * `--send-link <device>`: the raw transport's packets sent as Ethernet frames through libpcap
 * (pcap_inject), for hosts where IP-layer raw sending is filtered. The frame goes to
 * the next hop's MAC, taken from the kernel's neighbour table for the route to each target
 * (`ip route get`, `ip neigh show`); `resolve()` must have found it before packets to a target go.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { LiveCaptureError } from '../capture/live-error.ts';
import { openPacketInjector, type PacketInjector } from '../capture/live-injector.ts';
import { LinkType } from '../capture/record.ts';
import { countFailure, emptySenderStats, type PacketSender, RawSenderError } from './raw-sender.ts';

const ETHERNET_HEADER = 14;
const ETHERTYPE_IPV4 = 0x0800;
const MAX_FRAME = ETHERNET_HEADER + 65535;
const DISCARD_PORT = 9;

export class LinkSender implements PacketSender {
  readonly name: string;
  readonly stats = emptySenderStats();
  private readonly injector: PacketInjector;
  private readonly sourceMac: Buffer;
  private readonly nextHopMac = new Map<string, Buffer>();
  private readonly frame = Buffer.allocUnsafe(MAX_FRAME);
  private closed = false;

  constructor(readonly device: string) {
    this.name = `link layer (${device})`;
    this.sourceMac = macOf(device);
    try {
      this.injector = openPacketInjector(device);
    } catch (err) {
      if (err instanceof LiveCaptureError) throw new RawSenderError(`--send-link: ${err.message}`);
      throw err;
    }
    if (this.injector.linkType !== LinkType.ETHERNET) {
      this.injector.close();
      throw new RawSenderError(
        `--send-link: ${device} has link type ${this.injector.linkType}; only Ethernet devices are supported`,
      );
    }
  }

  /** Finds the next-hop MAC toward `dst` (dotted IPv4) in the neighbour table, resolving it if needed. */
  async resolve(dst: string): Promise<void> {
    const { via, dev } = routeTo(dst);
    if (dev !== this.device) {
      throw new RawSenderError(`--send-link: the route to ${dst} leaves through ${dev}, not ${this.device}`);
    }
    const hop = via ?? dst;
    let mac = neighbourMac(hop, this.device);
    if (!mac && hop === dst) {
      await nudgeNeighbour(dst);
      for (let i = 0; i < 20 && !mac; i++) {
        await new Promise((r) => setTimeout(r, 50));
        mac = neighbourMac(hop, this.device);
      }
    }
    if (!mac) {
      throw new RawSenderError(
        `--send-link: no MAC address for next hop ${hop} on ${this.device} in the neighbour table ` +
          `(ip neigh show ${hop}); reach it once (e.g. ping ${hop}) or add it with ip neigh add`,
      );
    }
    this.nextHopMac.set(dst, mac);
  }

  send(packet: Uint8Array, length: number, dst: string): void {
    if (this.closed) return;
    const mac = this.nextHopMac.get(dst);
    if (!mac) {
      countFailure(this.stats, `no next-hop MAC for ${dst}`);
      return;
    }
    mac.copy(this.frame, 0);
    this.sourceMac.copy(this.frame, 6);
    this.frame.writeUInt16BE(ETHERTYPE_IPV4, 12);
    this.frame.set(packet.subarray(0, length), ETHERNET_HEADER);
    try {
      this.injector.send(this.frame, ETHERNET_HEADER + length);
      this.stats.sent++;
    } catch (err) {
      countFailure(this.stats, (err as Error).message);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.injector.close();
  }
}

function macOf(device: string): Buffer {
  let text: string;
  try {
    text = readFileSync(`/sys/class/net/${device}/address`, 'utf8').trim();
  } catch {
    throw new RawSenderError(`--send-link: no network device named ${device}`);
  }
  return parseMac(text);
}

function parseMac(text: string): Buffer {
  return Buffer.from(text.split(':').map((h) => Number.parseInt(h, 16)));
}

/** `ip route get <dst>`: the gateway (if any) and the device the route leaves through. */
function routeTo(dst: string): { via?: string; dev: string } {
  let out: string;
  try {
    out = execFileSync('ip', ['-4', 'route', 'get', dst], { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    throw new RawSenderError(`--send-link: no route to ${dst} (${(err as Error).message.trim()})`);
  }
  const dev = /\bdev (\S+)/.exec(out)?.[1];
  if (!dev) throw new RawSenderError(`--send-link: cannot read the route to ${dst} from: ${out.trim()}`);
  const via = /\bvia (\S+)/.exec(out)?.[1];
  return via ? { via, dev } : { dev };
}

function neighbourMac(ip: string, device: string): Buffer | undefined {
  const out = execFileSync('ip', ['-4', 'neigh', 'show', ip, 'dev', device], {
    encoding: 'utf8',
    stdio: 'pipe',
  });
  const match = /lladdr ([0-9a-f:]{17})\s+(\S+)/i.exec(out);
  if (!match || /INCOMPLETE|FAILED/.test(match[2])) return undefined;
  return parseMac(match[1]);
}

/** Makes the kernel resolve the target's MAC: one UDP datagram to its discard port. */
function nudgeNeighbour(dst: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.send(Buffer.alloc(0), DISCARD_PORT, dst, () => {
      socket.close();
      resolve();
    });
  });
}
