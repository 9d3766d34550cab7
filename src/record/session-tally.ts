import { keyIpv6, sourceIsLo } from '../flow/conversation.ts';
import { type PacketView, TcpFlag } from '../packet/view.ts';

/** Sessions counted open at most: a FIN or RST the capture lost must not hold memory for the whole run. */
export const MAX_OPEN_SESSIONS = 1 << 20;

/** An open session's state bits: which side sent its FIN, and whether the server's SYN-ACK was seen. */
const LOWER_FIN = 1;
const HIGHER_FIN = 2;
const BOTH_FINS = LOWER_FIN | HIGHER_FIN;
const SERVER_SEEN = 4;

/**
 * Counts TCP sessions for the live view from control segments only (SYN, FIN, RST), so that the
 * common data packet costs one flag test. A session is new when its SYN is seen; it stays active
 * until a RST, or a FIN from each side; when the filter shows only the client's side (no SYN-ACK
 * seen), until the client's FIN. The oldest open sessions are forgotten beyond `maxOpen`.
 */
export class SessionTally {
  sessionsNew = 0;
  private readonly stateByOpenSession = new Map<string, number>();
  private readonly sessionsByServerPort = new Map<number, number>();

  constructor(private readonly maxOpen = MAX_OPEN_SESSIONS) {}

  get sessionsActive(): number {
    return this.stateByOpenSession.size;
  }

  observe(view: PacketView): void {
    const flags = view.flags;
    if ((flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) === 0) return;
    const srcIsLo = sourceIsLo(view);
    const key = sessionKey(view, srcIsLo);
    const state = this.stateByOpenSession.get(key);
    if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
      if (state !== undefined) return; // a retransmitted SYN
      this.open(key);
      this.sessionsByServerPort.set(view.dstPort, (this.sessionsByServerPort.get(view.dstPort) ?? 0) + 1);
      return;
    }
    if (state === undefined) return;
    if (flags & TcpFlag.RST) {
      this.stateByOpenSession.delete(key);
    } else if (flags & TcpFlag.SYN) {
      this.stateByOpenSession.set(key, state | SERVER_SEEN);
    } else if (flags & TcpFlag.FIN) {
      const next = state | (srcIsLo ? LOWER_FIN : HIGHER_FIN);
      if ((next & BOTH_FINS) === BOTH_FINS || (next & SERVER_SEEN) === 0) this.stateByOpenSession.delete(key);
      else this.stateByOpenSession.set(key, next);
    }
  }

  busiestServerPorts(limit: number): { port: number; sessions: number }[] {
    return [...this.sessionsByServerPort]
      .map(([port, sessions]) => ({ port, sessions }))
      .sort((a, b) => b.sessions - a.sessions || a.port - b.port)
      .slice(0, limit);
  }

  private open(key: string): void {
    if (this.stateByOpenSession.size >= this.maxOpen) {
      // Maps iterate in insertion order: the first key is the session opened longest ago.
      const oldest = this.stateByOpenSession.keys().next();
      if (!oldest.done) this.stateByOpenSession.delete(oldest.value);
    }
    this.stateByOpenSession.set(key, 0);
    this.sessionsNew += 1;
  }
}

/** The same key for both directions of a session. */
function sessionKey(view: PacketView, srcIsLo: boolean): string {
  if (view.ipVersion === 6) return keyIpv6(view, srcIsLo);
  const src = `${view.src4}.${view.srcPort}`;
  const dst = `${view.dst4}.${view.dstPort}`;
  return srcIsLo ? `${src}-${dst}` : `${dst}-${src}`;
}
