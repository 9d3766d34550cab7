import { isIP } from 'node:net';
import { DEFAULT_INTERCEPT_PORT } from './wire.ts';

export interface InterceptEndpoint {
  host: string;
  port: number;
}

export class InterceptEndpointError extends Error {
  constructor(
    readonly entry: string,
    problem: string,
  ) {
    super(`-s: "${entry}" ${problem}`);
    this.name = 'InterceptEndpointError';
  }
}

/** Parses `-s host[:port],...` (IPv6 as `[addr]:port`); the port defaults to 36524. */
export function parseInterceptList(text: string): InterceptEndpoint[] {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0)
    throw new InterceptEndpointError(text, 'names no intercept (expected host[:port],...)');
  return entries.map(parseEndpoint);
}

function parseEndpoint(entry: string): InterceptEndpoint {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
  let host: string;
  let portText: string | undefined;
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
  } else if (isIP(entry) === 6) {
    host = entry;
  } else {
    const colon = entry.lastIndexOf(':');
    host = colon < 0 ? entry : entry.slice(0, colon);
    portText = colon < 0 ? undefined : entry.slice(colon + 1);
  }
  if (host === '' || /\s/.test(host)) throw new InterceptEndpointError(entry, 'has no host name or address');
  if (/[[\]]/.test(host)) {
    throw new InterceptEndpointError(
      entry,
      'has a stray bracket (an IPv6 intercept is written [address]:port)',
    );
  }
  if (portText === undefined) return { host, port: DEFAULT_INTERCEPT_PORT };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new InterceptEndpointError(entry, `has port "${portText}", expected 1-65535`);
  }
  return { host, port };
}

/** The peer of an accepted socket, as `address:port` (IPv6 in brackets). */
export function peerName(socket: { remoteAddress?: string; remotePort?: number }): string {
  return endpointName({ host: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 });
}

export function endpointName(endpoint: InterceptEndpoint): string {
  return isIP(endpoint.host) === 6
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`;
}
