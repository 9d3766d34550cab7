/**
 * Sessions that open with a TLS ClientHello. Their bytes replay like any others, but a recorded
 * TLS session cannot complete against a server: its random and keys differ from the recording's,
 * so the target ends the session soon after the handshake. The run says so once, rather than
 * leave the user to puzzle over a column of failed sessions.
 */
import { plural } from '../util/plural.ts';

const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;

/** A TLS record of type handshake (SSL 3.0 to TLS 1.3 record versions) carrying a ClientHello. */
export function startsWithClientHello(data: Uint8Array): boolean {
  return (
    data.length >= 6 && data[0] === HANDSHAKE && data[1] === 3 && data[2] <= 4 && data[5] === CLIENT_HELLO
  );
}

export class TlsTally {
  private sessions = 0;
  private readonly ports = new Set<number>();

  /** A captured session's first request (count each captured session once). */
  firstRequest(data: Uint8Array, serverPort: number): void {
    if (!startsWithClientHello(data)) return;
    this.sessions++;
    this.ports.add(serverPort);
  }

  /** The warning for the user, when any session opened with TLS. */
  warning(): string | undefined {
    if (this.sessions === 0) return undefined;
    const ports = [...this.ports].sort((a, b) => a - b);
    const shown = ports.slice(0, 5).join(', ') + (ports.length > 5 ? ', ...' : '');
    const one = this.sessions === 1;
    return (
      `${plural(this.sessions, 'captured session')} ${one ? 'opens' : 'open'} with a TLS ClientHello ` +
      `(${plural(ports.length, 'port')}: ${shown}): recorded TLS cannot complete against a server, whose keys ` +
      `differ from the recording's, so expect ${one ? 'it' : 'them'} to end after the handshake`
    );
  }
}
