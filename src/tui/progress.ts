/**
 * What the live views show: plain snapshots the commands produce (cheaply, several times a
 * second) and the controls the views call back. No React here, so producers import only types.
 */

import type { SessionOutcome } from '../report/outcome.ts';

export interface Percentiles {
  p50: number;
  p99: number;
}

/** One line of the `s` list: a slow session, or one that ended badly. */
export interface SessionLine {
  sessionId: number;
  /** Captured client address:port. */
  client: string;
  /** Absent while the session is still running. */
  outcome?: SessionOutcome;
  /** Its slowest request so far (ms to the last response byte). */
  slowestMs?: number;
  reason?: string;
}

export interface ReplayProgress {
  /** Position in the capture's timeline, µs from its first packet to the last one. */
  timelineDoneUs: number;
  timelineTotalUs: number;
  elapsedMs: number;
  /** Estimated time left; absent when it cannot be told yet. */
  etaMs?: number;
  /** Speed factor: 1 is the captured pace, Infinity is `--speed max`. */
  speed: number;
  paused: boolean;
  sessions: {
    planned: number;
    active: number;
    completed: number;
    /** Sessions that ended with any other outcome, by outcome (failures among them: isFailure). */
    notCompleted: Partial<Record<Exclude<SessionOutcome, 'completed'>, number>>;
  };
  requests: { sent: number; answered: number; perSecond: number };
  /** Absent until the first response. */
  latencyMs?: Percentiles;
  /** How late sends left compared with their schedule; absent until the first send. */
  sendLagMs?: Percentiles;
  /** The most recent errors, newest last; the view shows a few. */
  lastErrors: string[];
  /** The slowest and the failed sessions, for the `s` toggle. */
  slowSessions?: SessionLine[];
}

export interface ReplayHandlers {
  /** Stop cleanly: the run still ends with its report. Called once. */
  onStop: () => void;
  onPauseToggle: () => void;
  /** The factor the user asked for (the view doubles or halves `speed`). */
  onSpeedChange: (factor: number) => void;
}

export interface RecordProgress {
  packets: number;
  bytes: number;
  packetsPerSecond: number;
  /** TCP sessions whose SYN (or first packet) was seen, and those still open. */
  sessionsSeen: number;
  sessionsActive: number;
  /** The busiest server ports, busiest first. */
  serverPorts: Array<{ port: number; sessions: number }>;
  /** Packets the kernel or libpcap dropped. */
  dropped: number;
  fileName: string;
  fileBytes: number;
  /** Index of the current file when rotating (0-based); absent without rotation. */
  rotationIndex?: number;
  elapsedMs: number;
}

export interface InterceptCounters {
  captured: number;
  routed: number;
  held: number;
  unroutable: number;
  dropped: number;
}

export interface InterceptProgress {
  replayersConnected: number;
  /** Response headers captured from the target, and what became of them. */
  totals: InterceptCounters;
  perSecond: InterceptCounters;
  routesActive: number;
  uptimeMs: number;
}

export interface StopHandlers {
  onStop: () => void;
}
