/** Feeds a run's events into its RunMetrics (the report and the live view read from there). */
import { isUncaptured } from '../flow/session.ts';
import { parseHttpRequestLine } from '../http/request-line.ts';
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
        capture: p.captureIndex,
        sessionId: session.id,
        copy: p.copy,
        loop: p.loop,
        client: endpointText(session.client),
        server: endpointText(session.server),
        target: endpointText(p.target),
        // Requests read so far: none yet from the flow table, which announces a session before
        // any of its requests completes; they come through requestPlanned.
        requestsPlanned: session.requests.length,
        requestsNotCaptured: session.requests.filter(isUncaptured).length,
      });
    },
    requestPlanned(p) {
      const request = p.session.requests[p.requestOffsetsUs.length - 1];
      metrics.requestPlanned(ref(p), request !== undefined && isUncaptured(request));
      // Endpoints in the order the capture is read, so that two runs of it track the same ones.
      if (p.copy !== 0 || p.loop !== 0 || !metrics.acceptsEndpoints) return;
      const http = request ? parseHttpRequestLine(request.data) : undefined;
      if (http) metrics.endpointPlanned(http);
    },
    inputEnded(p) {
      metrics.inputEnded(ref(p));
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
