/**
 * Wakes a session driver when the replay clock reaches a time (a request due, the captured
 * client's close): the clock's timer is armed once per time, however often the driver asks.
 */
import type { SessionEnv } from './observer.ts';
import type { PlannedSession } from './plan.ts';

export class WakeUp {
  private armedForUs: number | undefined;

  constructor(
    private readonly env: Pick<SessionEnv, 'at' | 'lateMs'>,
    private readonly wake: () => void,
  ) {}

  /** Whether `atUs` has come; if not, the driver is woken then. */
  reached(atUs: number): boolean {
    if (this.env.lateMs(atUs) >= 0) return true;
    this.at(atUs);
    return false;
  }

  /** Wakes the driver at `atUs` (once, however often asked for the same time). */
  at(atUs: number): void {
    if (this.armedForUs === atUs) return;
    this.armedForUs = atUs;
    this.env.at(atUs, this.wake);
  }

  /** The driver moved past the armed time: asking for it again arms anew. */
  reset(): void {
    this.armedForUs = undefined;
  }
}

/**
 * When the captured client closed the session, on the replay clock; undefined until the session's
 * input ended. Until then the client held its connection open, and a server may push more (a
 * subscriber's messages): the replay holds it open too.
 */
export function capturedCloseUs(planned: PlannedSession): number | undefined {
  return planned.endOffsetUs === undefined ? undefined : planned.startUs + planned.endOffsetUs;
}
