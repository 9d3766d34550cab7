/** Synthetic snapshots for the view tests: realistic mid-run values. */

import type { InterceptProgress, RecordProgress, ReplayProgress } from '../../src/tui/progress.ts';

export function replayProgress(overrides: Partial<ReplayProgress> = {}): ReplayProgress {
  return {
    timelineDoneUs: 12_600_000,
    timelineTotalUs: 30_000_000,
    elapsedMs: 12_600,
    etaMs: 17_400,
    speed: 1,
    paused: false,
    sessions: {
      planned: 100,
      active: 3,
      completed: 90,
      notCompleted: { 'reset-by-target': 5, 'timed-out': 2 },
    },
    requests: { sent: 1234, answered: 1200, perSecond: 53 },
    latencyMs: { p50: 1.2, p99: 8.4 },
    sendLagMs: { p50: 0.1, p99: 0.35 },
    lastErrors: ['10.0.0.7:40112: connection reset by target after request 3'],
    slowSessions: [
      { sessionId: 17, client: '10.0.0.9:51000', outcome: 'timed-out', reason: 'no answer in 10 s' },
      { sessionId: 4, client: '10.0.0.3:50022', slowestMs: 812 },
    ],
    ...overrides,
  };
}

export function recordProgress(overrides: Partial<RecordProgress> = {}): RecordProgress {
  return {
    packets: 123_456,
    bytes: 48 * 1024 * 1024,
    packetsPerSecond: 10_500,
    sessionsSeen: 2_345,
    sessionsActive: 17,
    serverPorts: [
      { port: 80, sessions: 2000 },
      { port: 6379, sessions: 300 },
      { port: 443, sessions: 45 },
    ],
    dropped: 0,
    fileName: 'traffic.pcap',
    fileBytes: 16 * 1024 * 1024,
    rotationIndex: 2,
    elapsedMs: 65_000,
    ...overrides,
  };
}

export function interceptProgress(overrides: Partial<InterceptProgress> = {}): InterceptProgress {
  return {
    replayersConnected: 2,
    totals: { captured: 5000, routed: 4990, held: 4, unroutable: 6, dropped: 0 },
    perSecond: { captured: 250, routed: 249, held: 0, unroutable: 1, dropped: 0 },
    routesActive: 42,
    uptimeMs: 3_723_000,
    ...overrides,
  };
}
