/** Feeds a run's events into its RunMetrics (the report and the live view read from there). */
import type { RunMetrics, SessionRef } from '../report/metrics.ts';
import type { ReplayObserver } from './observer.ts';
import { endpointText, type PlannedSession } from './plan.ts';

export function metricsObserver(metrics: RunMetrics): ReplayObserver {
  const refs: SessionRef[] = [];
  const ref = (p: PlannedSession): SessionRef => {
    const r = refs[p.ordinal];
    if (r === undefined) throw new Error(`session ${p.key} was not planned`);
    return r;
  };
  return {
    sessionPlanned(p) {
      const { session } = p;
      refs[p.ordinal] = metrics.sessionPlanned({
        sessionId: session.id,
        copy: p.copy,
        loop: p.loop,
        client: endpointText(session.client),
        server: endpointText(session.server),
        target: endpointText(p.target),
        requestsPlanned: session.requests.length,
      });
    },
    requestPlanned(p) {
      metrics.requestPlanned(ref(p));
    },
    sessionStarted(p, startedMs, replayedFrom) {
      metrics.sessionStarted(ref(p), startedMs, replayedFrom);
    },
    requestSent(p, sent) {
      metrics.requestSent(ref(p), sent);
    },
    requestAnswered(p, answer) {
      metrics.requestAnswered(ref(p), answer);
    },
    bytes(p, sent, received, atMs) {
      metrics.bytes(ref(p), sent, received, atMs);
    },
    sessionEnded(p, end) {
      metrics.sessionEnded(ref(p), end);
    },
  };
}
