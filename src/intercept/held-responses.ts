import { endpointKey } from './route-table.ts';
import type { Route } from './wire.ts';

/**
 * Responses that arrived before their route (a SYN-ACK or RST racing the replayer's ADD). They
 * are kept for `holdMs`, at most `maxRecords` in all, and handed over when the ADD comes.
 */
export interface HeldOptions {
  holdMs: number;
  maxRecords: number;
}

export const DEFAULT_HELD_OPTIONS: HeldOptions = { holdMs: 3000, maxRecords: 65_536 };

interface Held {
  records: Buffer[];
  expiresAt: number;
}

export class HeldResponses {
  private readonly byRoute = new Map<string, Held>();
  private count = 0;

  constructor(private readonly options: HeldOptions = DEFAULT_HELD_OPTIONS) {}

  get size(): number {
    return this.count;
  }

  /** Keeps a copy-owned record; false when full (the caller counts it as unroutable). */
  hold(
    clientIp: number,
    clientPort: number,
    targetIp: number,
    targetPort: number,
    record: Buffer,
    now: number,
  ): boolean {
    if (this.count >= this.options.maxRecords) return false;
    const key = heldKey(clientIp, clientPort, targetIp, targetPort);
    const held = this.byRoute.get(key);
    if (held) held.records.push(record);
    else this.byRoute.set(key, { records: [record], expiresAt: now + this.options.holdMs });
    this.count++;
    return true;
  }

  /** Removes and returns the records held for a route that just arrived (late ones too: harmless). */
  take(route: Route): Buffer[] {
    if (this.count === 0) return [];
    const key = heldKey(route.clientIp, route.clientPort, route.targetIp, route.targetPort);
    const held = this.byRoute.get(key);
    if (!held) return [];
    this.byRoute.delete(key);
    this.count -= held.records.length;
    return held.records;
  }

  /** Drops records held too long. Returns how many. */
  expire(now: number): number {
    let dropped = 0;
    for (const [key, held] of this.byRoute) {
      if (held.expiresAt <= now) {
        this.byRoute.delete(key);
        dropped += held.records.length;
      }
    }
    this.count -= dropped;
    return dropped;
  }
}

function heldKey(clientIp: number, clientPort: number, targetIp: number, targetPort: number): string {
  return `${endpointKey(clientIp, clientPort)}/${endpointKey(targetIp, targetPort)}`;
}
