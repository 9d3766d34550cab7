/**
 * Run report I/O for a long run: a report of --requests HTTP requests (5 per session, 2,000,000
 * by default: some 540 MB) written by writeReport and read back by readReport, against the
 * reference of serializing it as one JSON string (what a plain JSON.stringify does), in this run.
 * Past V8's longest string (2^29 - 24 characters) the reference fails: a report built whole
 * would be lost at the end of the run.
 * Run: node --import tsx bench/report.ts [--requests 2000000]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from '../src/report/build.ts';
import { readReport, writeReport } from '../src/report/io.ts';
import { RunMetrics } from '../src/report/metrics.ts';
import type { SessionResult } from '../src/report/outcome.ts';
import type { RunReport } from '../src/report/schema.ts';
import { numberFlag, table } from './support.ts';

const REQUESTS_PER_SESSION = 5;
const requests = numberFlag('--requests') ?? 2_000_000;
if (!Number.isInteger(requests) || requests < REQUESTS_PER_SESSION) {
  process.stderr.write('report bench: --requests wants a whole number of at least 5\n');
  process.exit(2);
}
const sessions = Math.floor(requests / REQUESTS_PER_SESSION);

/** A completed HTTP session as a replay reports it (times with their usual sub-µs digits). */
function session(sessionId: number): SessionResult {
  const startedMs = sessionId * 0.731 + 12.345678;
  return {
    sessionId,
    copy: 0,
    loop: 0,
    client: `10.1.${(sessionId >> 8) & 255}.${sessionId & 255}:${20000 + (sessionId % 40000)}`,
    server: '10.2.0.1:8080',
    target: '10.77.0.2:8080',
    replayedFrom: `10.78.0.${sessionId % 254}:${20000 + (sessionId % 40000)}`,
    outcome: 'completed',
    startedMs,
    endedMs: startedMs + 41.123456789,
    requestsPlanned: REQUESTS_PER_SESSION,
    requests: Array.from({ length: REQUESTS_PER_SESSION }, (_, index) => ({
      index,
      scheduledMs: startedMs + index * 8.123456789,
      sentMs: startedMs + index * 8.123456789 + 0.0123456,
      bytesSent: 82 + index,
      firstByteMs: 1.318430999999918,
      lastByteMs: 1.318430999999918,
      responseBytes: 193 + index,
      http: { method: 'GET', path: `/products/${index * 7}`, status: 200 },
    })),
    bytesSent: 420,
    bytesReceived: 975,
  };
}

const base = buildReport(new RunMetrics(), { captures: [], options: {}, targets: [], transport: 'socket' });
const report: RunReport = { ...base, sessions: Array.from({ length: sessions }, (_, i) => session(i)) };

const dir = mkdtempSync(join(tmpdir(), 'rp-bench-report-'));
try {
  let reference: string;
  let t0 = performance.now();
  try {
    const text = JSON.stringify(report);
    reference = `${((performance.now() - t0) / 1000).toFixed(2)} s (${(text.length / 2 ** 20).toFixed(0)} M characters)`;
  } catch (err) {
    reference = `fails: ${(err as Error).name}: ${(err as Error).message}`;
  }
  const path = join(dir, 'run.json');
  t0 = performance.now();
  await writeReport(path, report);
  const writeSeconds = (performance.now() - t0) / 1000;
  const megabytes = statSync(path).size / 2 ** 20;
  t0 = performance.now();
  const back = await readReport(path);
  const readSeconds = (performance.now() - t0) / 1000;
  if (back.sessions.length !== sessions)
    throw new Error(`read back ${back.sessions.length} sessions of ${sessions}`);
  process.stdout.write(
    `${table([
      { figure: 'sessions / requests', value: `${sessions} / ${sessions * REQUESTS_PER_SESSION}` },
      { figure: 'JSON.stringify of the whole report (reference)', value: reference },
      { figure: 'writeReport', value: `${writeSeconds.toFixed(2)} s, ${megabytes.toFixed(0)} MB` },
      {
        figure: `readReport (${megabytes > 500 ? 'line by line' : 'whole text'})`,
        value: `${readSeconds.toFixed(2)} s, every session back`,
      },
      {
        figure: 'peak RSS of this process',
        value: `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
      },
    ])}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
