/**
 * `--fail-on` rules: `p99=+10%,p50=+5ms,errors=+0,throughput=-5%`. A rule names a metric and the
 * change of the candidate against the baseline that fails the comparison: `+` an increase, `-`
 * a decrease (by default the metric's bad direction), relative (`%`) or absolute (`ms`, `s`,
 * `us` for latencies; a bare number for counts and requests/s). A rule is crossed when the
 * change is strictly beyond its threshold.
 */
import { PERCENTILE_KEYS, type PercentileKey, type RunReport } from './schema.ts';
import { answersOfClass, readsHttpStatus } from './status-read.ts';

export class RuleError extends Error {
  constructor(rule: string, detail: string) {
    super(`--fail-on rule '${rule}': ${detail}`);
    this.name = 'RuleError';
  }
}

type MetricKind = 'latency' | 'count' | 'rate';

export interface FailRule {
  /** The rule as written. */
  text: string;
  metric: string;
  /** The change that fails: an increase or a decrease. */
  direction: 'increase' | 'decrease';
  /** A fraction for relative rules (0.1 = 10%), else in the metric's unit (ms, count, rps). */
  threshold: number;
  relative: boolean;
}

export interface RuleVerdict {
  rule: FailRule;
  /** What the metric is, in words (`first byte p99`). */
  description: string;
  unit: 'ms' | 'count' | 'rps';
  baseline: number;
  candidate: number;
  crossed: boolean;
  /** The candidate measured nothing for this metric (no response, nothing sent) where the baseline did: crossed. */
  unmeasured?: true;
  /**
   * The baseline did not measure it (raw runs read no HTTP status; no response, no latency), nor,
   * with 'both', the candidate: there is nothing to compare against, and the rule is not crossed.
   */
  notMeasuredBy?: 'baseline' | 'both';
}

interface MetricDefinition {
  kind: MetricKind;
  description: string;
  /** The direction that is a regression, used when a rule gives no sign. */
  worse: 'increase' | 'decrease';
  read(report: RunReport): number;
  /** Whether the run measured the metric at all (a latency needs a response); always when absent. */
  measured?(report: RunReport): boolean;
}

const LATENCY_SCOPES = {
  ttfb: { side: 'firstByte', words: 'first byte' },
  ttlb: { side: 'lastByte', words: 'last byte' },
} as const;

function metricDefinition(name: string): MetricDefinition | undefined {
  switch (name) {
    case 'errors':
      return {
        kind: 'count',
        description: 'failed sessions',
        worse: 'increase',
        read: (r) => r.totals.sessions.failed,
      };
    case 'lost':
      return {
        kind: 'count',
        description: 'requests lost',
        worse: 'increase',
        read: (r) => r.totals.requests.lost,
      };
    case 'throughput':
      return {
        kind: 'rate',
        description: 'mean requests/s',
        worse: 'decrease',
        read: (r) => r.throughput.meanRps,
      };
    case 'http4xx':
    case 'http5xx': {
      const klass = name === 'http4xx' ? 4 : 5;
      return {
        kind: 'count',
        description: `HTTP ${klass}xx responses`,
        worse: 'increase',
        read: (r) => answersOfClass(r, klass),
        measured: readsHttpStatus,
      };
    }
  }
  const lag = /^lag\.(p50|p99|max)$/.exec(name);
  if (lag) {
    const key = lag[1] as 'p50' | 'p99' | 'max';
    return {
      kind: 'latency',
      description: `send lag ${key}`,
      worse: 'increase',
      read: (r) => r.sendLag[key],
      measured: (r) => r.sendLag.count > 0,
    };
  }
  const latency = /^(?:(ttfb|ttlb)\.)?(.+)$/.exec(name);
  const key = latency?.[2] as PercentileKey;
  if (!latency || !PERCENTILE_KEYS.includes(key)) return undefined;
  const scope = LATENCY_SCOPES[(latency[1] ?? 'ttfb') as keyof typeof LATENCY_SCOPES];
  return {
    kind: 'latency',
    description: `${scope.words} ${key}`,
    worse: 'increase',
    read: (r) => r.latency.overall[scope.side][key],
    measured: (r) => r.latency.overall[scope.side].count > 0,
  };
}

const METRIC_NAMES =
  'p50, p90, p99, p99.9, max, mean (first byte; ttlb.<p> for last byte), errors, lost, http4xx, http5xx, throughput, lag.p50/p99/max';
const THRESHOLD = /^([+-])?(\d+(?:\.\d+)?)(%|ms|s|us|rps)?$/;
const TO_MS: Record<string, number> = { ms: 1, s: 1000, us: 0.001 };

/** Parses a comma-separated list of rules; throws a RuleError naming the rule that is wrong. */
export function parseRules(text: string): FailRule[] {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0) throw new RuleError(text, 'no rule given (example: p99=+10%,errors=+0)');
  return parts.map(parseRule);
}

function parseRule(text: string): FailRule {
  const equals = text.indexOf('=');
  if (equals < 0) throw new RuleError(text, 'expected <metric>=<threshold>, e.g. p99=+10%');
  const metric = text.slice(0, equals).trim();
  const definition = metricDefinition(metric);
  if (!definition) throw new RuleError(text, `unknown metric '${metric}' (known: ${METRIC_NAMES})`);
  const threshold = THRESHOLD.exec(text.slice(equals + 1).trim());
  if (!threshold) {
    throw new RuleError(
      text,
      'the threshold must be a signed number with an optional unit: +10%, +5ms, +0, -5%',
    );
  }
  const [, sign, digits, unit] = threshold;
  const direction = sign === '+' ? 'increase' : sign === '-' ? 'decrease' : definition.worse;
  if (unit === '%') return { text, metric, direction, threshold: Number(digits) / 100, relative: true };
  if (definition.kind === 'latency') {
    if (unit === undefined || unit === 'rps')
      throw new RuleError(text, `${metric} is a time: give % or ms (or s, us)`);
    return { text, metric, direction, threshold: Number(digits) * TO_MS[unit], relative: false };
  }
  if (unit !== undefined && !(definition.kind === 'rate' && unit === 'rps')) {
    throw new RuleError(
      text,
      `${metric} is a ${definition.kind === 'rate' ? 'rate' : 'count'}: give % or a bare number`,
    );
  }
  return { text, metric, direction, threshold: Number(digits), relative: false };
}

export function evaluateRules(rules: FailRule[], baseline: RunReport, candidate: RunReport): RuleVerdict[] {
  return rules.map((rule) => {
    const definition = metricDefinition(rule.metric)!;
    const before = definition.read(baseline);
    const after = definition.read(candidate);
    const change = rule.direction === 'increase' ? after - before : before - after;
    const measured = definition.measured ?? (() => true);
    const unmeasured = measured(baseline) && !measured(candidate);
    const notMeasuredBy = measured(baseline) ? undefined : measured(candidate) ? 'baseline' : 'both';
    let crossed: boolean;
    if (unmeasured) crossed = true;
    else if (notMeasuredBy !== undefined) crossed = false;
    else if (!rule.relative) crossed = beyond(change, rule.threshold);
    else if (before === 0) crossed = change > 0;
    else crossed = beyond(change / Math.abs(before), rule.threshold);
    const unit = definition.kind === 'latency' ? 'ms' : definition.kind === 'rate' ? 'rps' : 'count';
    const verdict: RuleVerdict = {
      rule,
      description: definition.description,
      unit,
      baseline: before,
      candidate: after,
      crossed,
    };
    if (unmeasured) verdict.unmeasured = true;
    if (notMeasuredBy !== undefined) verdict.notMeasuredBy = notMeasuredBy;
    return verdict;
  });
}

/** `value > threshold`, ignoring floating-point dust (11 ms against 10 ms is exactly +10%). */
function beyond(value: number, threshold: number): boolean {
  return value - threshold > 1e-9 * Math.max(1, Math.abs(threshold));
}
