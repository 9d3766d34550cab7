/**
 * Whether a captured request can be the first bytes of a new connection, when the target closed
 * the one it followed on. Not the rest of a message begun on the old one: the body of an HTTP
 * request the target answered early (413), or a TLS record, which only the session's own
 * handshake can decrypt. Other protocols cannot tell, and are sent as captured.
 */
import type { CapturedRequest } from '../flow/session.ts';
import { startsWithClientHello } from '../replay/tls-tally.ts';
import { parseHttpRequestLine } from '../report/http.ts';

export type Continuation = 'tls' | 'http-body' | undefined;

/** What request `index` continues, if it cannot open a connection of its own. */
export function continuationOf(requests: readonly CapturedRequest[], index: number): Continuation {
  const first = requests[0]?.data;
  if (index === 0 || first === undefined) return undefined;
  if (startsWithClientHello(first)) return 'tls';
  if (parseHttpRequestLine(first) && !parseHttpRequestLine(requests[index].data)) return 'http-body';
  return undefined;
}
