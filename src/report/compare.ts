/**
 * Two run reports side by side: every figure of the baseline against the candidate with its
 * absolute and relative change, whether the change is for the worse, and the requests whose HTTP
 * status changed. Pure: the CLI reads the files and prints.
 */
import { loadDifferences } from './load-differences.ts';
import type { SessionOutcome, SessionResult } from './outcome.ts';
import {
  FAILED_OUTCOMES,
  type LatencyPair,
  PERCENTILE_KEYS,
  type PercentileKey,
  type Percentiles,
  type RunReport,
} from './schema.ts';
import { answersOfClass, readsHttpStatus } from './status-read.ts';

export type Unit = 'ms' | 'count' | 'rps';
/** Which way a figure should move; `neither` for figures that describe the load, not the target. */
export type Better = 'lower' | 'higher' | 'neither';
export type Verdict = 'better' | 'worse' | 'same';

export interface MetricRow {
  label: string;
  unit: Unit;
  baseline: number;
  candidate: number;
  delta: number;
  /** delta / baseline; null when the baseline is 0. */
  relative: number | null;
  better: Better;
  verdict: Verdict;
  /**
   * The run(s) that measured nothing here (a latency with no response, an endpoint a run did not
   * request): their figure is 0 and means none, so the delta is 0; the row is worse when only the
   * candidate measured nothing (it answered nothing), the same otherwise.
   */
  unmeasured?: 'baseline' | 'candidate' | 'both';
}

export interface ComparisonSection {
  title: string;
  rows: MetricRow[];
}

export interface StatusChange {
  /** The capture it came from, as the candidate run named them (SessionResult.capture), absent for the first. */
  capture?: number;
  sessionId: number;
  copy: number;
  loop: number;
  index: number;
  method?: string;
  path?: string;
  /** Undefined when that run read no status for the request. */
  baseline?: number;
  candidate?: number;
  /** The run that did not send the request at all (its session ended before it), as opposed to sending it unanswered. */
  unsent?: 'baseline' | 'candidate';
}

export interface RunHeader {
  file: string;
  version: string;
  startedAt: string;
  durationMs: number;
  targets: string[];
}

export interface Comparison {
  baseline: RunHeader;
  candidate: RunHeader;
  /** Why the two runs may not have put the same load on their targets (different options, a stopped run). */
  warnings: string[];
  sections: ComparisonSection[];
  /**
   * `unsent`: how many of `count` one run did not send at all. `notRead`: a run read no status
   * (raw transport), so none are compared.
   */
  statusChanges: { count: number; unsent: number; listed: StatusChange[]; notRead?: true };
  charts: {
    /** First-byte latency percentiles of both runs (ms). */
    percentiles: Array<{ label: string; baseline: number; candidate: number }>;
    /** Requests answered per interval over each run. */
    throughput: { intervalMs: number; baseline: number[]; candidate: number[] };
  };
}

/** Changes smaller than this (relative) are noise for timings and rates; counts have none. */
const NOISE = 0.02;
/**
 * Timings closer than this (ms) are noise too, however large relatively: two replays of one build
 * differ by some microseconds of scheduling (a send lag of 0.030 then 0.039 ms).
 */
const NOISE_MS = 0.05;
const TOP_ENDPOINTS = 10;
const LISTED_STATUS_CHANGES = 100;

export function row(
  label: string,
  unit: Unit,
  better: Better,
  baseline: number,
  candidate: number,
): MetricRow {
  const delta = candidate - baseline;
  const relative = baseline === 0 ? null : delta / baseline;
  return {
    label,
    unit,
    baseline,
    candidate,
    delta,
    relative,
    better,
    verdict: verdictOf(unit, better, delta, relative),
  };
}

function verdictOf(unit: Unit, better: Better, delta: number, relative: number | null): Verdict {
  if (better === 'neither' || delta === 0) return 'same';
  if (unit !== 'count' && relative !== null && Math.abs(relative) < NOISE) return 'same';
  if (unit === 'ms' && Math.abs(delta) < NOISE_MS) return 'same';
  const improved = better === 'lower' ? delta < 0 : delta > 0;
  return improved ? 'better' : 'worse';
}

/**
 * Why two reports cannot be compared (they replayed different captures), or undefined. Both
 * runs must have replayed the same capture files, matched by sha256.
 */
export function captureMismatch(
  baseline: RunReport,
  candidate: RunReport,
  names: [string, string],
): string | undefined {
  const digests = (report: RunReport) => report.captures.map((capture) => capture.sha256).sort();
  const [a, b] = [digests(baseline), digests(candidate)];
  if (a.length === b.length && a.every((digest, i) => digest === b[i])) return undefined;
  const describe = (report: RunReport) =>
    report.captures.map((capture) => `${capture.name} (sha256 ${capture.sha256.slice(0, 12)}…)`).join(', ') ||
    'no capture';
  return (
    `the runs replayed different captures: ${names[0]} replayed ${describe(baseline)}, ` +
    `${names[1]} replayed ${describe(candidate)}; compare needs two runs of the same capture`
  );
}

export function compareReports(
  baseline: RunReport,
  candidate: RunReport,
  names: [string, string] = ['baseline', 'candidate'],
): Comparison {
  const sections: ComparisonSection[] = [
    { title: 'Sessions', rows: sessionRows(baseline, candidate) },
    { title: 'Requests', rows: requestRows(baseline, candidate) },
    {
      title: 'Latency, first byte',
      rows: percentileRows('', baseline.latency.overall, candidate.latency.overall, 'firstByte'),
    },
    {
      title: 'Latency, last byte',
      rows: percentileRows('', baseline.latency.overall, candidate.latency.overall, 'lastByte'),
    },
    { title: 'First byte by port', rows: portRows(baseline, candidate) },
    { title: `First byte by endpoint (top ${TOP_ENDPOINTS})`, rows: endpointRows(baseline, candidate) },
    {
      title: 'Throughput (answered)',
      rows: [
        row('mean rps', 'rps', 'higher', baseline.throughput.meanRps, candidate.throughput.meanRps),
        row('peak rps', 'rps', 'higher', baseline.throughput.peakRps, candidate.throughput.peakRps),
      ],
    },
    {
      title: 'Send lag',
      rows: (['p50', 'p99', 'max'] as const).map((key) =>
        measuredRow(key, baseline.sendLag, candidate.sendLag, key),
      ),
    },
  ].filter((section) => section.rows.length > 0);
  // Statuses a run did not read cannot have changed: a raw run's are all unknown.
  const statusesRead = readsHttpStatus(baseline) && readsHttpStatus(candidate);
  const changes = statusesRead ? statusChanges(baseline, candidate) : [];
  return {
    baseline: header(baseline, names[0]),
    candidate: header(candidate, names[1]),
    warnings: loadDifferences(baseline, candidate),
    sections,
    statusChanges: {
      count: changes.length,
      unsent: changes.filter((change) => change.unsent !== undefined).length,
      listed: changes.slice(0, LISTED_STATUS_CHANGES),
      ...(statusesRead ? {} : { notRead: true as const }),
    },
    charts: {
      percentiles: (['p50', 'p90', 'p99', 'p99.9', 'max'] as const).map((key) => ({
        label: key,
        baseline: baseline.latency.overall.firstByte[key],
        candidate: candidate.latency.overall.firstByte[key],
      })),
      throughput: {
        intervalMs: baseline.throughput.intervalMs,
        baseline: baseline.throughput.answered,
        candidate: candidate.throughput.answered,
      },
    },
  };
}

function header(report: RunReport, file: string): RunHeader {
  return {
    file,
    version: report.tool.version,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    targets: report.targets,
  };
}

function sessionRows(baseline: RunReport, candidate: RunReport): MetricRow[] {
  const [a, b] = [baseline.totals.sessions, candidate.totals.sessions];
  const outcomeRow = (outcome: SessionOutcome) =>
    row(outcome, 'count', 'lower', a.byOutcome[outcome], b.byOutcome[outcome]);
  const shown = (outcome: SessionOutcome) => a.byOutcome[outcome] + b.byOutcome[outcome] > 0;
  return [
    row('planned', 'count', 'neither', a.planned, b.planned),
    row('completed', 'count', 'higher', a.completed, b.completed),
    row('failed', 'count', 'lower', a.failed, b.failed),
    ...FAILED_OUTCOMES.filter(shown).map(outcomeRow),
    ...(['stopped', 'not-replayable'] as const).filter(shown).map(outcomeRow),
  ];
}

function requestRows(baseline: RunReport, candidate: RunReport): MetricRow[] {
  const [a, b] = [baseline.totals.requests, candidate.totals.requests];
  const rows = [
    row('sent', 'count', 'neither', a.sent, b.sent),
    row('answered', 'count', 'higher', a.answered, b.answered),
    row('lost', 'count', 'lower', a.lost, b.lost),
  ];
  // Differs only against a baseline written before it was counted: explains a drop in `sent`.
  const [x, y] = [a.notCaptured ?? 0, b.notCaptured ?? 0];
  if (x + y > 0) rows.push(row('not captured', 'count', 'neither', x, y));
  for (const klass of [4, 5] as const) {
    // A raw run read no status: its count is none, not 0.
    const count = (report: RunReport) =>
      readsHttpStatus(report) ? answersOfClass(report, klass) : undefined;
    const [x, y] = [count(baseline), count(candidate)];
    if ((x ?? 0) + (y ?? 0) > 0) rows.push(rowOfMeasured(`http ${klass}xx`, 'count', 'lower', x, y));
  }
  return rows;
}

function percentileRows(
  prefix: string,
  a: LatencyPair,
  b: LatencyPair,
  side: keyof LatencyPair,
): MetricRow[] {
  return PERCENTILE_KEYS.map((key) => measuredRow(`${prefix}${key}`, a[side], b[side], key));
}

/**
 * A figure in ms of a distribution (latency, send lag) of both runs. A run that measured none
 * there (no response, no request sent) has no figure: not 0 ms, which would read as the best
 * ever. Without one in the candidate only, the row is worse.
 */
function measuredRow<Key extends PercentileKey>(
  label: string,
  a: ({ count: number } & Record<Key, number>) | undefined,
  b: ({ count: number } & Record<Key, number>) | undefined,
  key: Key,
): MetricRow {
  return rowOfMeasured(label, 'ms', 'lower', a?.count ? a[key] : undefined, b?.count ? b[key] : undefined);
}

/** A row of a figure a run may not have measured (undefined): a row `unmeasured` there, worse when the candidate lacks it. */
function rowOfMeasured(
  label: string,
  unit: Unit,
  better: Better,
  before: number | undefined,
  after: number | undefined,
): MetricRow {
  if (before !== undefined && after !== undefined) return row(label, unit, better, before, after);
  const unmeasured =
    before === undefined && after === undefined ? 'both' : before !== undefined ? 'candidate' : 'baseline';
  return {
    label,
    unit,
    baseline: before ?? 0,
    candidate: after ?? 0,
    delta: 0,
    relative: null,
    better,
    verdict: unmeasured === 'candidate' ? 'worse' : 'same',
    unmeasured,
  };
}

function portRows(baseline: RunReport, candidate: RunReport): MetricRow[] {
  const ports = new Set([...baseline.latency.byPort, ...candidate.latency.byPort].map((entry) => entry.port));
  if (ports.size < 2) return [];
  return [...ports]
    .sort((x, y) => x - y)
    .flatMap((port) => {
      const a = baseline.latency.byPort.find((entry) => entry.port === port)?.firstByte;
      const b = candidate.latency.byPort.find((entry) => entry.port === port)?.firstByte;
      return pairRows(`port ${port}`, a, b);
    });
}

function endpointRows(baseline: RunReport, candidate: RunReport): MetricRow[] {
  return baseline.latency.byEndpoint.slice(0, TOP_ENDPOINTS).flatMap((endpoint) => {
    const other = candidate.latency.byEndpoint.find(
      (entry) => entry.method === endpoint.method && entry.path === endpoint.path,
    );
    return pairRows(`${endpoint.method} ${endpoint.path}`, endpoint.firstByte, other?.firstByte);
  });
}

/** p50 and p99 of one slice of the traffic. */
function pairRows(label: string, a: Percentiles | undefined, b: Percentiles | undefined): MetricRow[] {
  return (['p50', 'p99'] as const).map((key) => measuredRow(`${label} ${key}`, a, b, key));
}

/** Requests whose HTTP status differs, matched by capture file, session id, copy, loop and request index. */
export function statusChanges(baseline: RunReport, candidate: RunReport): StatusChange[] {
  type Where = Pick<SessionResult, 'capture' | 'sessionId' | 'copy' | 'loop'>;
  // A session is matched by its capture file (sha256, and which of its copies when a run named
  // the same file twice), not by the place the run named it in.
  const keyIn = (report: RunReport) => {
    const seen = new Map<string, number>();
    const captures = report.captures.map(({ sha256 }) => {
      const copy = seen.get(sha256) ?? 0;
      seen.set(sha256, copy + 1);
      return `${sha256}#${copy}`;
    });
    return (s: Where) =>
      `${captures[s.capture ?? 0] ?? `#${s.capture ?? 0}`}/${s.sessionId}/${s.copy}/${s.loop}`;
  };
  const [baselineKey, candidateKey] = [keyIn(baseline), keyIn(candidate)];
  // Only sessions both runs replayed: one that -n, --loop, --sample or --only-complete gave one
  // run alone, or that a stop left unstarted, is a difference of load (told apart), not requests
  // whose status changed.
  const inCandidate = new Map<string, SessionResult>();
  for (const session of candidate.sessions) {
    if (replayed(session)) inCandidate.set(candidateKey(session), session);
  }
  const inBaseline = new Set<string>();
  const before = new Map<
    string,
    { where: Where; index: number; http: { status?: number; method: string; path: string } }
  >();
  for (const session of baseline.sessions) {
    const key = baselineKey(session);
    const where = inCandidate.get(key);
    if (!replayed(session) || where === undefined) continue;
    inBaseline.add(key);
    for (const request of session.requests) {
      if (request.http)
        before.set(`${key}/${request.index}`, { where, index: request.index, http: request.http });
    }
  }
  const changes: StatusChange[] = [];
  for (const session of candidate.sessions) {
    const key = candidateKey(session);
    if (!inBaseline.has(key)) continue;
    for (const request of session.requests) {
      const id = `${key}/${request.index}`;
      const old = before.get(id)?.http;
      before.delete(id);
      const http = request.http ?? old;
      if (!http || old?.status === request.http?.status) continue;
      const change = statusChange(session, request.index, http, old?.status, request.http?.status);
      if (old === undefined) change.unsent = 'baseline';
      changes.push(change);
    }
  }
  for (const { where, index, http } of before.values()) {
    if (http.status === undefined) continue;
    const change = statusChange(where, index, http, http.status, undefined);
    change.unsent = 'candidate';
    changes.push(change);
  }
  return changes.sort(
    (x, y) =>
      (x.capture ?? 0) - (y.capture ?? 0) ||
      x.sessionId - y.sessionId ||
      x.copy - y.copy ||
      x.loop - y.loop ||
      x.index - y.index,
  );
}

/** The run sent the session (or tried to): not left out as not replayable, nor stopped before it started. */
function replayed(session: SessionResult): boolean {
  if (session.outcome === 'not-replayable') return false;
  return !(session.outcome === 'stopped' && session.startedMs === undefined);
}

function statusChange(
  session: { capture?: number; sessionId: number; copy: number; loop: number },
  index: number,
  http: { method: string; path: string },
  baseline: number | undefined,
  candidate: number | undefined,
): StatusChange {
  const change: StatusChange = {
    ...(session.capture ? { capture: session.capture } : {}),
    sessionId: session.sessionId,
    copy: session.copy,
    loop: session.loop,
    index,
    method: http.method,
    path: http.path,
  };
  if (baseline !== undefined) change.baseline = baseline;
  if (candidate !== undefined) change.candidate = candidate;
  return change;
}
