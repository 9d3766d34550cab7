import type { PacketView } from '../packet/view.ts';
import { TcpFlag } from '../packet/view.ts';

/**
 * Counts TCP sessions for the live view from control segments only (SYN, FIN, RST), so that the
 * common data packet costs one flag test. A session is new when its SYN is seen; it stays active
 * until a RST, or a FIN from each side.
 */
export class SessionTally {
  sessionsNew = 0;
  private readonly finsByOpenSession = new Map<string, number>();
  private readonly sessionsByServerPort = new Map<number, number>();

  get sessionsActive(): number {
    return this.finsByOpenSession.size;
  }

  observe(view: PacketView): void {
    const flags = view.flags;
    if ((flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) === 0) return;
    const key = sessionKey(view);
    if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
      if (this.finsByOpenSession.has(key)) return; // a retransmitted SYN
      this.finsByOpenSession.set(key, 0);
      this.sessionsNew += 1;
      this.sessionsByServerPort.set(view.dstPort, (this.sessionsByServerPort.get(view.dstPort) ?? 0) + 1);
      return;
    }
    const fins = this.finsByOpenSession.get(key);
    if (fins === undefined) return;
    if (flags & TcpFlag.RST) {
      this.finsByOpenSession.delete(key);
    } else if (flags & TcpFlag.FIN) {
      // Bit 0: the lower endpoint sent its FIN; bit 1: the higher one did.
      const side = endpointOrder(view) <= 0 ? 1 : 2;
      const both = fins | side;
      if (both === 3) this.finsByOpenSession.delete(key);
      else this.finsByOpenSession.set(key, both);
    }
  }

  busiestServerPorts(limit: number): { port: number; sessions: number }[] {
    return [...this.sessionsByServerPort]
      .map(([port, sessions]) => ({ port, sessions }))
      .sort((a, b) => b.sessions - a.sessions || a.port - b.port)
      .slice(0, limit);
  }
}

/** Negative or zero when the source endpoint sorts first. */
function endpointOrder(view: PacketView): number {
  const bySource =
    view.ipVersion === 4
      ? view.src4 - view.dst4
      : Buffer.compare(Buffer.from(view.src6), Buffer.from(view.dst6));
  return bySource !== 0 ? bySource : view.srcPort - view.dstPort;
}

/** The same key for both directions of a session. */
function sessionKey(view: PacketView): string {
  const src = view.ipVersion === 4 ? String(view.src4) : Buffer.from(view.src6).toString('hex');
  const dst = view.ipVersion === 4 ? String(view.dst4) : Buffer.from(view.dst6).toString('hex');
  const a = `${src}.${view.srcPort}`;
  const b = `${dst}.${view.dstPort}`;
  return endpointOrder(view) <= 0 ? `${a}-${b}` : `${b}-${a}`;
}
