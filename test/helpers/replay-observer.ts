import type { ReplayObserver } from '../../src/replay/observer.ts';

/** A replay observer that ignores every event but those given. */
export function observerWith(events: Partial<ReplayObserver>): ReplayObserver {
  return {
    sessionPlanned: () => {},
    requestPlanned: () => {},
    inputEnded: () => {},
    sessionStarted: () => {},
    requestSent: () => {},
    requestAnswered: () => {},
    bytes: () => {},
    sessionEnded: () => {},
    ...events,
  };
}
