/** The socket transport: each planned session over its own kernel TCP connection (no root needed). */
import type { SessionEnv } from '../replay/observer.ts';
import type { PlannedSession, SessionDriver } from '../replay/plan.ts';
import type { Transport } from '../replay/run.ts';
import { SocketSession, type SocketSessionOptions } from './socket-session.ts';

export class SocketTransport implements Transport {
  readonly name = 'socket';

  constructor(private readonly options: SocketSessionOptions) {}

  startSession(planned: PlannedSession, env: SessionEnv): SessionDriver {
    return new SocketSession(planned, env, this.options);
  }

  async close(): Promise<void> {}
}
