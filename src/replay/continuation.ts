/**
 * Whether a captured request can be the first bytes of a new connection, when the target closed
 * the one it followed on. Not the rest of a message begun on the old one: the body of an HTTP
 * request the target answered early (413), or a TLS or SSH record, which only the session's own
 * handshake can decrypt. Other protocols cannot tell, and are sent as captured. Both transports
 * ask before they reconnect.
 */
import type { CapturedRequest } from '../flow/session.ts';
import { parseHttpRequestLine } from '../http/request-line.ts';
import { startsWithClientHello, startsWithSshBanner } from './encrypted-tally.ts';
import { startsWithMysqlLogin } from './mysql-login.ts';
import { startsWithSmbNegotiate } from './smb-negotiate.ts';

export type Continuation = 'tls' | 'ssh' | 'mysql-login' | 'smb' | 'http-body' | 'tunnel' | undefined;

/** A proxy's CONNECT: what the client sends after it goes through the tunnel it opens. */
export function opensTunnel(data: Uint8Array): boolean {
  return parseHttpRequestLine(data)?.method === 'CONNECT';
}

/** What request `index` continues, if it cannot open a connection of its own. */
export function continuationOf(requests: readonly CapturedRequest[], index: number): Continuation {
  const first = requests[0]?.data;
  if (index === 0 || first === undefined) return undefined;
  if (opensTunnel(first)) {
    const opening = requests[1]?.data;
    if (index > 1 && opening && startsWithClientHello(opening)) return 'tls';
    if (index > 1 && opening && startsWithSshBanner(opening)) return 'ssh';
    return 'tunnel';
  }
  if (startsWithClientHello(first)) return 'tls';
  if (startsWithSshBanner(first)) return 'ssh';
  if (startsWithMysqlLogin(first)) return 'mysql-login';
  if (startsWithSmbNegotiate(first)) return 'smb';
  if (parseHttpRequestLine(first) && !parseHttpRequestLine(requests[index].data)) return 'http-body';
  return undefined;
}

/** Why the session cannot go on over a new connection, for its outcome's reason. */
export function continuationReason(continues: Exclude<Continuation, undefined>, index: number): string {
  const what = {
    tls: 'a TLS session, which cannot go on over a new connection',
    ssh: 'an SSH session, which cannot go on over a new connection',
    'mysql-login': 'a MySQL session, whose login (salted by its greeting) cannot go on over a new connection',
    smb: 'an SMB session, whose session and tree IDs belong to the connection that set them up',
    'http-body': 'an HTTP message it answered early (no request line of its own)',
    tunnel: 'a CONNECT tunnel, which cannot go on over a new connection',
  }[continues];
  return `before request ${index}, the rest of ${what}`;
}
