/** A planned session of one captured session toward a loopback port, for the transport tests. */
import type { CapturedSession } from '../../src/flow/session.ts';
import type { PlannedSession } from '../../src/replay/plan.ts';

/** Due at 0, its requests at their captured offsets, its input complete; `over` changes any of it. */
export function plannedSession(
  session: CapturedSession,
  targetPort: number,
  over: Partial<PlannedSession> = {},
): PlannedSession {
  return {
    key: '0.0.0',
    ordinal: 0,
    captureIndex: 0,
    session,
    copy: 0,
    loop: 0,
    target: { ip: '127.0.0.1', port: targetPort },
    startUs: 0,
    requestOffsetsUs: session.requests.map((r) => r.offsetUs),
    partDelaysUs: session.requests.map((r) => r.parts.map(([, sinceUs]) => sinceUs)),
    inputEnded: true,
    ...over,
  };
}
