/**
 * Why two runs of one capture may not have put the same load on their targets: replay options
 * that shape the load differ, or one run planned other sessions or was stopped before its end.
 * `compare` still compares them, with these warnings, since such a comparison can be intended.
 */
import { REPLAY_DEFAULTS } from '../replay/option-defaults.ts';
import { parseTransfers } from '../replay/transfer.ts';
import { segmentSize } from '../transport/segment-size.ts';
import { countsUnansweredApart } from './comparable-lost.ts';
import type { RunReport } from './schema.ts';

/** A replay option as `options` keeps it (the text given, or commander's default), with its flag. */
interface LoadOption {
  key: string;
  flag: string;
  /** What `reprise replay` uses when the flag is not given; older reports may lack the key. */
  fallback?: string | boolean;
  /** Whether the option shaped the load, from which of the two runs were at --speed max (default: always). */
  shapes?: (baselineAtMax: boolean, candidateAtMax: boolean) => boolean;
}

const SPEED: LoadOption = { key: 'speed', flag: '--speed', fallback: REPLAY_DEFAULTS.speed };

/** Options that change what is sent or when, whatever the transport. */
const LOAD_OPTIONS: readonly LoadOption[] = [
  SPEED,
  // Sessions start when captured, except at --speed max, where at most this many run at once.
  {
    key: 'concurrency',
    flag: '--concurrency',
    fallback: REPLAY_DEFAULTS.concurrency,
    shapes: (a, b) => a || b,
  },
  // At --speed max there is no timeline to cut idle stretches from.
  { key: 'maxIdle', flag: '--max-idle', shapes: (a, b) => !(a && b) },
  { key: 'loop', flag: '--loop', fallback: REPLAY_DEFAULTS.loop },
  { key: 'sample', flag: '--sample', fallback: REPLAY_DEFAULTS.sample },
  { key: 'onlyComplete', flag: '--only-complete', fallback: false },
  { key: 'wait', flag: '--no-wait', fallback: true },
  { key: 'sessionTimeout', flag: '--session-timeout', fallback: REPLAY_DEFAULTS.sessionTimeout },
  { key: 'multiply', flag: '--multiply', fallback: REPLAY_DEFAULTS.multiply },
  { key: 'seed', flag: '--seed', fallback: REPLAY_DEFAULTS.seed },
];

/** The raw transport's options that change what the target sees (compared when both runs are raw). */
const RAW_LOAD_OPTIONS: readonly LoadOption[] = [
  { key: 'interceptConnections', flag: '-C', fallback: REPLAY_DEFAULTS.interceptConnections },
  { key: 'clientIps', flag: '-c' },
];

export function loadDifferences(baseline: RunReport, candidate: RunReport): string[] {
  const warnings: string[] = [];
  if (baseline.transport !== candidate.transport) {
    warnings.push(`the runs used different transports: ${baseline.transport} and ${candidate.transport}`);
  }
  const [sourcesA, sourcesB] = [capturedServers(baseline), capturedServers(candidate)];
  if (sourcesA !== undefined && sourcesB !== undefined && sourcesA !== sourcesB) {
    warnings.push(`the runs replayed different captured servers (-x): ${sourcesA} and ${sourcesB}`);
  }
  const bothRaw = baseline.transport === 'raw' && candidate.transport === 'raw';
  const [maxA, maxB] = [atSpeedMax(baseline), atSpeedMax(candidate)];
  for (const option of bothRaw ? [...LOAD_OPTIONS, ...RAW_LOAD_OPTIONS] : LOAD_OPTIONS) {
    if (option.shapes !== undefined && !option.shapes(maxA, maxB)) continue;
    const [a, b] = [effective(baseline, option), effective(candidate, option)];
    if (a !== b) {
      warnings.push(`the runs used different ${option.flag}: ${shown(a, option)} and ${shown(b, option)}`);
    }
  }
  // -M and -D by what they do: `-M 1500` and `-D 1460` cut requests alike.
  const [segmentA, segmentB] = [cutTo(baseline), cutTo(candidate)];
  if (bothRaw && segmentA !== segmentB) {
    const shownSize = (size: number | undefined) => (size === undefined ? 'as captured' : `${size} bytes`);
    warnings.push(
      `the runs cut requests to different segment sizes (-M/-D): ${shownSize(segmentA)} and ${shownSize(segmentB)}`,
    );
  }
  if (countsUnansweredApart(baseline) !== countsUnansweredApart(candidate)) {
    const older = countsUnansweredApart(baseline) ? 'candidate' : 'baseline';
    warnings.push(
      `the ${older} report predates counting requests unanswered as in the capture apart: both sides count them in lost`,
    );
  }
  const [a, b] = [baseline.totals.sessions, candidate.totals.sessions];
  if (a.planned !== b.planned)
    warnings.push(`the runs planned different numbers of sessions: ${a.planned} and ${b.planned}`);
  for (const [role, totals] of [
    ['baseline', a],
    ['candidate', b],
  ] as const) {
    const stopped = totals.byOutcome.stopped;
    if (stopped > 0) warnings.push(`the ${role} run was stopped before ${stopped} of its sessions finished`);
  }
  for (const [role, report] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    // A run stopped before it read all its sessions: those are in neither its totals nor `stopped`.
    if (report.stopped !== undefined && report.totals.sessions.byOutcome.stopped === 0) {
      warnings.push(
        `the ${role} run was stopped ${report.stopped}: sessions it had not read by then are not in it`,
      );
    }
  }
  return warnings;
}

type Canonical = string | number | boolean | undefined;

/**
 * The option's value in one spelling: numbers as numbers ('1.0' is 1, '50%' is 50), words in
 * lower case ('MAX' is max), the default when absent.
 */
function effective(report: RunReport, option: LoadOption): Canonical {
  const value = report.options[option.key] ?? option.fallback;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return value;
  if (typeof value !== 'string') return JSON.stringify(value);
  const text = value.trim().replace(/%$/, '');
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? n : text.toLowerCase();
}

function atSpeedMax(report: RunReport): boolean {
  return effective(report, SPEED) === 'max';
}

/** The segment size a raw run's -M and -D cut requests to (undefined: as captured). */
function cutTo(report: RunReport): number | undefined {
  const number = (key: string) => {
    const value = effective(report, { key, flag: key });
    return typeof value === 'number' ? value : undefined;
  };
  return segmentSize(number('mtu'), number('mss'));
}

/** A switch (--only-complete, --no-wait) reads as given or not; a value as itself. */
function shown(value: Canonical, option: LoadOption): string {
  if (typeof value === 'boolean') return value === option.fallback ? 'not given' : 'given';
  return value === undefined ? 'not given' : String(value);
}

/**
 * The transfer map's sources (`[srcIP:]srcPort`), which select the sessions replayed; its targets
 * are where each run sent them, which two runs compared usually differ in.
 */
function capturedServers(report: RunReport): string | undefined {
  const map = report.options.transfer;
  if (typeof map !== 'string') return undefined;
  try {
    const sources = parseTransfers(map).map(({ sourceIp: ip, sourcePort: port }) =>
      ip === undefined ? `${port}` : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`,
    );
    return [...new Set(sources)].sort().join(',');
  } catch {
    return map;
  }
}
