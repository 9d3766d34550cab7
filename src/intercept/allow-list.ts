import { BlockList, isIP } from 'node:net';

/** The peers `--allow <cidr,...>` lets connect; an address or a CIDR block, IPv4 or IPv6. */
export class AllowListError extends Error {
  constructor(
    readonly entry: string,
    problem: string,
  ) {
    super(`--allow: "${entry}" ${problem}`);
    this.name = 'AllowListError';
  }
}

export interface AllowList {
  allows(address: string): boolean;
  readonly text: string;
}

export function parseAllowList(text: string): AllowList {
  const list = new BlockList();
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) throw new AllowListError(text, 'lists no address or CIDR block');
  for (const entry of entries) {
    const [address, prefixText, extra] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) {
      throw new AllowListError(entry, 'is not an IP address or CIDR block (e.g. 10.77.0.0/24)');
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefixText === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const prefix = Number(prefixText);
    const max = family === 4 ? 32 : 128;
    if (!/^\d+$/.test(prefixText)) {
      throw new AllowListError(entry, `has prefix length "${prefixText}", expected a whole number 0-${max}`);
    }
    if (prefix > max) throw new AllowListError(entry, `has a prefix length outside 0-${max}`);
    list.addSubnet(address, prefix, type);
  }
  return {
    text: entries.join(','),
    allows(peer: string): boolean {
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer);
      if (mapped) return list.check(mapped[1], 'ipv4') || list.check(peer, 'ipv6');
      const family = isIP(peer);
      if (family === 0) return false;
      return list.check(peer, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
