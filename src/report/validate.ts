/**
 * Checks that a parsed JSON value is a run report this version reads, naming the first field
 * that is wrong (`totals.sessions.planned`, `sessions[12].outcome`).
 */
import type { SessionOutcome } from './outcome.ts';
import {
  PERCENTILE_KEYS,
  REPORT_SCHEMA,
  REPORT_SCHEMA_FAMILY,
  type RunReport,
  SESSION_OUTCOMES,
} from './schema.ts';

export class ReportError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ReportError';
  }
}

type Json = Record<string, unknown>;

class FieldChecker {
  constructor(private readonly file: string) {}

  fail(path: string, expected: string, found: unknown): never {
    throw new ReportError(this.file, `field '${path}' must be ${expected}, found ${describe(found)}`);
  }

  object(value: unknown, path: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(path, 'an object', value);
    return value as Json;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'an array', value);
    return value;
  }

  number(parent: Json, key: string, path: string): number {
    const value = parent[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(`${path}.${key}`, 'a number', value);
    return value;
  }

  /** A figure that cannot be below zero (a count, a duration, a latency, a rate). */
  amount(parent: Json, key: string, path: string): number {
    const value = this.number(parent, key, path);
    if (value < 0) this.fail(`${path}.${key}`, 'a number of at least 0', value);
    return value;
  }

  /** A field newer reports have and older ones lack: a number when present. */
  optionalNumber(parent: Json, key: string, path: string): void {
    if (parent[key] !== undefined) this.number(parent, key, path);
  }

  string(parent: Json, key: string, path: string): string {
    const value = parent[key];
    if (typeof value !== 'string') this.fail(`${path}.${key}`, 'a string', value);
    return value;
  }

  numbers(parent: Json, key: string, path: string): void {
    const values = this.array(parent[key], `${path}.${key}`);
    values.forEach((value, i) => {
      if (typeof value !== 'number') this.fail(`${path}.${key}[${i}]`, 'a number', value);
    });
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

export function validateReport(value: unknown, file: string): RunReport {
  const root = validateReportHead(value, file);
  const check = new FieldChecker(file);
  check.array(root.sessions, 'sessions').forEach((item, i) => {
    checkSession(check, item, `sessions[${i}]`);
  });
  return value as RunReport;
}

/** Checks every field of a report but its sessions (a report read line by line checks them one by one). */
export function validateReportHead(value: unknown, file: string): Json {
  const check = new FieldChecker(file);
  const root = check.object(value, '(document)');
  const schema = root.schema;
  if (typeof schema !== 'string' || !schema.startsWith(REPORT_SCHEMA_FAMILY)) {
    throw new ReportError(file, `not a reprise run report (field 'schema' is ${describe(schema)})`);
  }
  if (schema !== REPORT_SCHEMA) {
    throw new ReportError(
      file,
      `report schema '${schema}' is not supported (this reprise reads '${REPORT_SCHEMA}')`,
    );
  }
  const tool = check.object(root.tool, 'tool');
  check.string(tool, 'name', 'tool');
  check.string(tool, 'version', 'tool');
  check.array(root.captures, 'captures').forEach((item, i) => {
    const capture = check.object(item, `captures[${i}]`);
    check.string(capture, 'name', `captures[${i}]`);
    if (!/^[0-9a-f]{64}$/.test(String(capture.sha256))) {
      check.fail(`captures[${i}].sha256`, 'a sha256 in hex', capture.sha256);
    }
  });
  check.object(root.options, 'options');
  check.array(root.targets, 'targets').forEach((target, i) => {
    if (typeof target !== 'string') check.fail(`targets[${i}]`, 'a string', target);
  });
  check.string(root, 'transport', '(document)');
  if (root.warnings !== undefined) {
    check.array(root.warnings, 'warnings').forEach((warning, i) => {
      if (typeof warning !== 'string') check.fail(`warnings[${i}]`, 'a string', warning);
    });
  }
  for (const key of ['startedAt', 'endedAt']) {
    if (Number.isNaN(Date.parse(check.string(root, key, '(document)'))))
      check.fail(key, 'an ISO time', root[key]);
  }
  check.amount(root, 'durationMs', '(document)');
  checkTotals(check, check.object(root.totals, 'totals'));
  checkLatency(check, check.object(root.latency, 'latency'));
  const throughput = check.object(root.throughput, 'throughput');
  for (const key of ['intervalMs', 'meanRps', 'peakRps']) check.amount(throughput, key, 'throughput');
  if ((throughput.intervalMs as number) <= 0)
    check.fail('throughput.intervalMs', 'a positive number', throughput.intervalMs);
  for (const key of ['sent', 'answered', 'bytesSent', 'bytesReceived'])
    check.numbers(throughput, key, 'throughput');
  const sendLag = check.object(root.sendLag, 'sendLag');
  for (const key of ['count', 'p50', 'p99', 'max', 'mean']) check.amount(sendLag, key, 'sendLag');
  return root;
}

/** Checks the `index`-th session of a report. */
export function validateSession(value: unknown, index: number, file: string): void {
  checkSession(new FieldChecker(file), value, `sessions[${index}]`);
}

function checkTotals(check: FieldChecker, totals: Json): void {
  const sessions = check.object(totals.sessions, 'totals.sessions');
  for (const key of ['planned', 'started', 'completed', 'failed'])
    check.amount(sessions, key, 'totals.sessions');
  check.optionalNumber(sessions, 'reconnects', 'totals.sessions');
  const byOutcome = check.object(sessions.byOutcome, 'totals.sessions.byOutcome');
  for (const outcome of SESSION_OUTCOMES) check.amount(byOutcome, outcome, 'totals.sessions.byOutcome');
  const requests = check.object(totals.requests, 'totals.requests');
  for (const key of ['planned', 'sent', 'answered', 'lost']) check.amount(requests, key, 'totals.requests');
  check.optionalNumber(requests, 'notCaptured', 'totals.requests');
  check.optionalNumber(requests, 'unansweredAsCaptured', 'totals.requests');
  check.optionalNumber(requests, 'awaitingAtStop', 'totals.requests');
  const bytes = check.object(totals.bytes, 'totals.bytes');
  for (const key of ['sent', 'received']) check.amount(bytes, key, 'totals.bytes');
  const httpStatus = check.object(totals.httpStatus, 'totals.httpStatus');
  for (const status of Object.keys(httpStatus)) check.amount(httpStatus, status, 'totals.httpStatus');
}

function checkLatency(check: FieldChecker, latency: Json): void {
  checkPair(check, check.object(latency.overall, 'latency.overall'), 'latency.overall');
  check.array(latency.byPort, 'latency.byPort').forEach((item, i) => {
    const path = `latency.byPort[${i}]`;
    const port = check.object(item, path);
    check.number(port, 'port', path);
    checkPair(check, port, path);
  });
  check.array(latency.byEndpoint, 'latency.byEndpoint').forEach((item, i) => {
    const path = `latency.byEndpoint[${i}]`;
    const endpoint = check.object(item, path);
    check.string(endpoint, 'method', path);
    check.string(endpoint, 'path', path);
    checkPair(check, endpoint, path);
  });
}

function checkPair(check: FieldChecker, pair: Json, path: string): void {
  for (const side of ['firstByte', 'lastByte']) {
    const percentiles = check.object(pair[side], `${path}.${side}`);
    for (const key of [...PERCENTILE_KEYS, 'count']) check.amount(percentiles, key, `${path}.${side}`);
  }
}

function checkSession(check: FieldChecker, item: unknown, path: string): void {
  const session = check.object(item, path);
  for (const key of ['sessionId', 'copy', 'loop', 'requestsPlanned', 'bytesSent', 'bytesReceived']) {
    check.number(session, key, path);
  }
  for (const key of ['capture', 'reconnects', 'requestsNotCaptured'])
    check.optionalNumber(session, key, path);
  if (!SESSION_OUTCOMES.includes(session.outcome as SessionOutcome)) {
    check.fail(`${path}.outcome`, `one of ${SESSION_OUTCOMES.join(', ')}`, session.outcome);
  }
  check.array(session.requests, `${path}.requests`).forEach((entry, i) => {
    const requestPath = `${path}.requests[${i}]`;
    const request = check.object(entry, requestPath);
    check.number(request, 'index', requestPath);
    if (request.http !== undefined) {
      const http = check.object(request.http, `${requestPath}.http`);
      check.string(http, 'method', `${requestPath}.http`);
      check.string(http, 'path', `${requestPath}.http`);
      if (http.status !== undefined) check.number(http, 'status', `${requestPath}.http`);
    }
  });
}
