/**
 * Sessions that open an encrypted protocol: a TLS ClientHello, an SSH banner. Their bytes replay
 * like any others, but a recorded encrypted session cannot complete against a server: its random
 * and keys differ from the recording's, so the target ends the session soon after the handshake
 * (the key exchange). The run says so once per protocol, rather than leave the user to puzzle
 * over a column of failed sessions.
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

const SSH_BANNER = /^SSH-(2\.0|1\.99)-/;

/** An SSH client's identification string (RFC 4253 4.2), which opens its side of the session. */
export function startsWithSshBanner(data: Uint8Array): boolean {
  return SSH_BANNER.test(
    Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, 9)).toString('latin1'),
  );
}

type Protocol = 'TLS' | 'SSH';

const OPENING: Record<Protocol, { opens: string; ends: string }> = {
  TLS: { opens: 'a TLS ClientHello', ends: 'the handshake' },
  SSH: { opens: 'an SSH banner', ends: 'the key exchange' },
};

/** The encrypted protocol a session's first request opens, if any. */
export function encryptedProtocol(data: Uint8Array): Protocol | undefined {
  if (startsWithClientHello(data)) return 'TLS';
  if (startsWithSshBanner(data)) return 'SSH';
  return undefined;
}

export class EncryptedTally {
  private readonly seen = new Map<Protocol, { sessions: number; ports: Set<number> }>();

  /** A captured session's first request (count each captured session once). */
  firstRequest(data: Uint8Array, serverPort: number): void {
    const protocol = encryptedProtocol(data);
    if (protocol === undefined) return;
    let tally = this.seen.get(protocol);
    if (tally === undefined) {
      tally = { sessions: 0, ports: new Set() };
      this.seen.set(protocol, tally);
    }
    tally.sessions++;
    tally.ports.add(serverPort);
  }

  /** The warnings for the user: one per encrypted protocol the captured sessions open. */
  warnings(): string[] {
    return [...this.seen].map(([protocol, { sessions, ports }]) => {
      const sorted = [...ports].sort((a, b) => a - b);
      const shown = sorted.slice(0, 5).join(', ') + (sorted.length > 5 ? ', ...' : '');
      const one = sessions === 1;
      const { opens, ends } = OPENING[protocol];
      return (
        `${plural(sessions, 'captured session')} ${one ? 'opens' : 'open'} with ${opens} ` +
        `(${plural(sorted.length, 'port')}: ${shown}): recorded ${protocol} cannot complete against a server, whose keys ` +
        `differ from the recording's, so expect ${one ? 'it' : 'them'} to end after ${ends}`
      );
    });
  }
}
