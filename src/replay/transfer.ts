/**
 * The transfer map (tcpcopy's -x): which captured sessions are replayed, and where to.
 * Syntax: `[srcIP:]srcPort-dstIP:dstPort[,...]`, e.g. `80-10.77.0.2:8080,10.0.0.5:443-127.0.0.1:8443`.
 * A captured session is selected by the first map whose source matches its server endpoint.
 */
import { isIP } from 'node:net';
import type { Endpoint } from '../flow/session.ts';
import { formatIpv6, parseIpv6 } from '../packet/address.ts';
import { UserError } from '../util/user-error.ts';

export interface Transfer {
  /** Captured server address to match; any address when absent. */
  sourceIp?: string;
  sourcePort: number;
  target: Endpoint;
}

export function parseTransfers(text: string, flag = '--transfer'): Transfer[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new UserError(`${flag}: empty transfer map`);
  return items.map((item) => parseTransfer(item, flag));
}

function parseTransfer(item: string, flag: string): Transfer {
  const dash = item.indexOf('-', item.startsWith('[') ? item.indexOf(']') : 0);
  if (dash < 0) {
    throw new UserError(`${flag} '${item}': expected [srcIP:]srcPort-dstIP:dstPort`);
  }
  const source = splitHostPort(item.slice(0, dash), flag, item, false);
  const target = splitHostPort(item.slice(dash + 1), flag, item, true);
  if (!target.ip) throw new UserError(`${flag} '${item}': the target needs an address (dstIP:dstPort)`);
  return {
    ...(source.ip ? { sourceIp: source.ip } : {}),
    sourcePort: source.port,
    target: { ip: target.ip, port: target.port },
  };
}

function splitHostPort(
  text: string,
  flag: string,
  item: string,
  needHost: boolean,
): { ip?: string; port: number } {
  let host: string | undefined;
  let portText = text;
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracket) {
    host = bracket[1];
    portText = bracket[2];
  } else if (text.includes(':')) {
    const colon = text.lastIndexOf(':');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (host !== undefined && isIP(host) === 0) {
    throw new UserError(`${flag} '${item}': '${host}' is not an IP address`);
  }
  if (needHost && host === undefined) {
    throw new UserError(`${flag} '${item}': the target needs an address (dstIP:dstPort)`);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new UserError(`${flag} '${item}': '${portText}' is not a port (1-65535)`);
  }
  return host === undefined ? { port } : { ip: canonicalIp(host), port };
}

/** Captured addresses are RFC 5952 text (2001:db8::1): the same address typed otherwise matches them. */
function canonicalIp(ip: string): string {
  return isIP(ip) === 6 && !ip.includes('%') ? formatIpv6(parseIpv6(ip)) : ip;
}

/** The transfer that selects a session whose captured server is `server`, if any. */
export function matchTransfer(transfers: readonly Transfer[], server: Endpoint): Transfer | undefined {
  for (const t of transfers) {
    if (t.sourcePort === server.port && (t.sourceIp === undefined || t.sourceIp === server.ip)) return t;
  }
  return undefined;
}
