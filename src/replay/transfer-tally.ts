/**
 * Which entries of the transfer map (-x) selected captured sessions, and the server ports of the
 * sessions none selected: what a user who mistyped -x, or gave a capture without TCP sessions,
 * needs to hear, rather than an empty run.
 */
import type { Endpoint } from '../flow/session.ts';
import { hostPort } from '../packet/address.ts';
import { plural } from '../util/plural.ts';
import type { Transfer } from './transfer.ts';

const PORTS_NAMED = 5;

export class TransferTally {
  private readonly used = new Set<Transfer>();
  /** Sessions no entry selected, by captured server port (at most 65,536 keys). */
  private readonly unselectedByPort = new Map<number, number>();
  private selected = 0;

  constructor(private readonly transfers: readonly Transfer[]) {}

  /** `transfer` selected a session (undefined: none did, and `server` says whose it was). */
  count(transfer: Transfer | undefined, server: Endpoint): void {
    if (transfer) {
      this.selected++;
      this.used.add(transfer);
    } else {
      this.unselectedByPort.set(server.port, (this.unselectedByPort.get(server.port) ?? 0) + 1);
    }
  }

  /** The map selected no session: the captures had none, or none it names. */
  get selectedNone(): boolean {
    return this.selected === 0;
  }

  /** Says that -x selected nothing, and which server ports the captures have (`captures`: their paths). */
  nothingSelected(captures: readonly string[]): string {
    if (this.unselectedByPort.size === 0) {
      const which = captures.length === 1 ? `${captures[0]} holds` : `${captures.join(', ')} hold`;
      return `${which} no TCP session: nothing to replay (\`reprise inspect\` shows what a capture holds)`;
    }
    const sessions = [...this.unselectedByPort.values()].reduce((sum, n) => sum + n, 0);
    const map = this.transfers.map(transferText).join(',');
    return `-x ${map} selected none of the capture's ${plural(sessions, 'TCP session')}; ${this.portsText()}`;
  }

  /** One line per entry that selected no session while others did. */
  unusedEntries(): string[] {
    if (this.selected === 0) return [];
    return this.transfers
      .filter((t) => !this.used.has(t))
      .map((t) => `-x '${transferText(t)}' selected no captured session; ${this.portsText()}`);
  }

  private portsText(): string {
    if (this.unselectedByPort.size === 0) return 'every session went to another entry';
    const ports = [...this.unselectedByPort].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const named = ports
      .slice(0, PORTS_NAMED)
      .map(([port, n]) => `${port} (${plural(n, 'session')})`)
      .join(', ');
    const more = ports.length > PORTS_NAMED ? ` and ${ports.length - PORTS_NAMED} more` : '';
    return `server ports of the sessions left out: ${named}${more}`;
  }
}

/** The entry as -x takes it. */
export function transferText(t: Transfer): string {
  const source = t.sourceIp !== undefined ? hostPort(t.sourceIp, t.sourcePort) : String(t.sourcePort);
  return `${source}-${hostPort(t.target.ip, t.target.port)}`;
}
