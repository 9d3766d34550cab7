/**
 * The run report: a versioned JSON document written at the end of a replay (`--report`), read by
 * `reprise compare`. docs/report-schema.md documents every field. Times are ms since the run
 * started unless named otherwise; latencies are ms with µs resolution.
 */
import type { SessionOutcome, SessionResult } from './outcome.ts';

export const REPORT_SCHEMA = 'reprise.run/1';
export const REPORT_SCHEMA_FAMILY = 'reprise.run/';

export const SESSION_OUTCOMES: readonly SessionOutcome[] = [
  'completed',
  'reset-by-target',
  'closed-early',
  'timed-out',
  'refused',
  'not-replayable',
  'stopped',
  'error',
];

/** Outcomes that mean the target (or the local side) failed the session. */
export const FAILED_OUTCOMES: readonly SessionOutcome[] = [
  'reset-by-target',
  'closed-early',
  'timed-out',
  'refused',
  'error',
];

export function isFailure(outcome: SessionOutcome): boolean {
  return FAILED_OUTCOMES.includes(outcome);
}

export interface Percentiles {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  'p99.9': number;
  max: number;
}

export const PERCENTILE_KEYS = ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean'] as const;
export type PercentileKey = (typeof PERCENTILE_KEYS)[number];

/** Time to the first and to the last response byte, counted from the request's last byte sent. */
export interface LatencyPair {
  firstByte: Percentiles;
  lastByte: Percentiles;
}

export interface PortLatency extends LatencyPair {
  /** The captured server port (stable across runs whatever the target was). */
  port: number;
}

export interface EndpointLatency extends LatencyPair {
  /** HTTP method and path without the query; `(other)` gathers what is past the endpoint cap. */
  method: string;
  path: string;
}

export interface CaptureInfo {
  /** The capture file as given on the command line. */
  name: string;
  sha256: string;
  bytes: number;
}

export interface SessionTotals {
  planned: number;
  started: number;
  completed: number;
  /** Sessions whose outcome is one of FAILED_OUTCOMES. */
  failed: number;
  byOutcome: Record<SessionOutcome, number>;
  /** New connections after the target closed or reset one with requests left (absent in older reports). */
  reconnects?: number;
}

export interface RequestTotals {
  planned: number;
  sent: number;
  answered: number;
  /** Sent but never answered (no response byte), leaving out those unansweredAsCaptured and awaitingAtStop. */
  lost: number;
  /**
   * Sent and still awaiting their answer when the run stopped their session (q, Ctrl-C, SIGTERM,
   * a transport lost): the run ended before the answer could come (absent in older reports, whose
   * lost counts them).
   */
  awaitingAtStop?: number;
  /**
   * Sent and never answered, as in the capture: it holds no answer to them and none was due (not
   * HTTP), e.g. a Postgres Terminate (absent in older reports, whose lost counts them).
   */
  unansweredAsCaptured?: number;
  /** Planned requests none of whose bytes are in the capture: never sent (absent in older reports). */
  notCaptured?: number;
}

export interface Totals {
  sessions: SessionTotals;
  requests: RequestTotals;
  bytes: { sent: number; received: number };
  /** HTTP status codes read, as counts keyed by the code ("200"). */
  httpStatus: Record<string, number>;
}

export interface Throughput {
  /** Width of one bucket of the series. */
  intervalMs: number;
  /** Per bucket, from the run's start: requests sent, requests answered, bytes each way. */
  sent: number[];
  answered: number[];
  bytesSent: number[];
  bytesReceived: number[];
  /** Requests answered per second over the whole run, and in the busiest bucket. */
  meanRps: number;
  peakRps: number;
}

export interface SendLag {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface RunReport {
  schema: typeof REPORT_SCHEMA;
  tool: { name: 'reprise'; version: string };
  captures: CaptureInfo[];
  /** The replay options as given (JSON values only). */
  options: Record<string, unknown>;
  targets: string[];
  transport: string;
  /** What the transport counted (raw: packets sent and failed, response headers, unroutable ones). */
  transportCounters?: Record<string, number>;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Why the run ended before the end of its captures (`by the user`, ...); absent when it did not. */
  stopped?: string;
  /**
   * What the replay warned about the captures and its plan (a clock step back, rotated files out
   * of order, requests the capture holds in part, ...), as printed; absent when nothing.
   */
  warnings?: string[];
  totals: Totals;
  latency: {
    overall: LatencyPair;
    byPort: PortLatency[];
    byEndpoint: EndpointLatency[];
  };
  throughput: Throughput;
  sendLag: SendLag;
  /** One entry per planned session, ordered by session id, copy, loop. */
  sessions: SessionResult[];
}
