/**
 * The client address pool (`-c, --client-ips`): the addresses replayed sessions appear to come
 * from. Accepted forms, comma-separated and mixed freely:
 *   10.78.0.x            tcpcopy's form: 10.78.0.1 .. 10.78.0.254
 *   10.78.0.0/24         CIDR: its usable hosts (network and broadcast left out below /31)
 *   10.78.0.10-10.78.0.99  an inclusive range
 *   10.78.0.7            one address
 * The pool is kept as ranges (a /8 costs no memory); `address(i)` indexes it in the order given.
 */

import { parseIpv4 } from '../packet/address.ts';
import { UserError } from '../util/user-error.ts';

interface PoolRange {
  first: number;
  count: number;
  /** Pool index of `first`. */
  startIndex: number;
}

export class ClientPool {
  readonly size: number;

  private constructor(
    private readonly ranges: readonly PoolRange[],
    readonly text: string,
  ) {
    const last = ranges[ranges.length - 1];
    this.size = last.startIndex + last.count;
  }

  /** @internal use parseClientPool */
  static of(ranges: ReadonlyArray<{ first: number; count: number }>, text: string): ClientPool {
    let startIndex = 0;
    const indexed = ranges.map((r) => {
      const range = { ...r, startIndex };
      startIndex += r.count;
      return range;
    });
    return new ClientPool(indexed, text);
  }

  /** The pool's `index`-th address (taken modulo the pool size), as an unsigned 32-bit integer. */
  address(index: number): number {
    const i = ((index % this.size) + this.size) % this.size;
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.ranges[mid].startIndex <= i) lo = mid;
      else hi = mid - 1;
    }
    const range = this.ranges[lo];
    return (range.first + (i - range.startIndex)) >>> 0;
  }
}

export function parseClientPool(text: string, flag = '--client-ips'): ClientPool {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) throw new UserError(`${flag}: '${text}' names no address`);
  return ClientPool.of(
    parts.map((part) => parsePart(part, flag)),
    text,
  );
}

function parsePart(part: string, flag: string): { first: number; count: number } {
  const bad = (why: string) => new UserError(`${flag}: '${part}' ${why}`);
  const address = (s: string) => {
    try {
      return parseIpv4(s);
    } catch (err) {
      throw bad(`is not an IPv4 address, range or CIDR (${(err as Error).message})`);
    }
  };
  if (/^\d+\.\d+\.\d+\.x$/i.test(part)) {
    const base = address(part.replace(/x$/i, '0'));
    return { first: base + 1, count: 254 };
  }
  const slash = part.indexOf('/');
  if (slash >= 0) {
    const prefixText = part.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!/^\d{1,2}$/.test(prefixText) || prefix > 32)
      throw bad(`has prefix length '${prefixText}', expected 0-32`);
    const size = 2 ** (32 - prefix);
    const network = address(part.slice(0, slash));
    if (network % size !== 0) throw bad(`has host bits set (the network is not aligned to /${prefix})`);
    if (prefix < 8) throw bad(`is too large a pool (at most a /8)`);
    return size <= 2 ? { first: network, count: size } : { first: network + 1, count: size - 2 };
  }
  const dash = part.indexOf('-');
  if (dash >= 0) {
    const first = address(part.slice(0, dash).trim());
    const last = address(part.slice(dash + 1).trim());
    if (last < first) throw bad('is a range that ends before it starts');
    return { first, count: last - first + 1 };
  }
  return { first: address(part), count: 1 };
}
