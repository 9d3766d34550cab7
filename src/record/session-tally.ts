import { keyIpv6, sourceIsLo } from '../flow/conversation.ts';
import { type PacketView, TcpFlag } from '../packet/view.ts';

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
    const srcIsLo = sourceIsLo(view);
    const key = sessionKey(view, srcIsLo);
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
      const side = srcIsLo ? 1 : 2;
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

/** The same key for both directions of a session. */
function sessionKey(view: PacketView, srcIsLo: boolean): string {
  if (view.ipVersion === 6) return keyIpv6(view, srcIsLo);
  const src = `${view.src4}.${view.srcPort}`;
  const dst = `${view.dst4}.${view.dstPort}`;
  return srcIsLo ? `${src}-${dst}` : `${dst}-${src}`;
}
