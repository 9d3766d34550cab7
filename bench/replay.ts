/**
 * Replay benchmarks (issue 3), all against the same local HTTP target in its own process:
 *  1. throughput: >= 20,000 short HTTP requests at --speed max, against a plain Node client that
 *     sends the same requests with the same concurrency, in this same run (target >= 0.8x);
 *  2. timing: send lag p99 at --speed 1, as the run's own report measures it (target < 2 ms);
 *  3. memory: peak RSS replaying a ~250 MB and a >= 1 GB capture (target < 200 MB, flat).
 * Run: npm run bench -- replay   (or node --import tsx bench/replay.ts)
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readSessions } from '../src/flow/pipeline.ts';
import type { CapturedSession } from '../src/flow/session.ts';
import type { RunReport } from '../src/report/schema.ts';
import { syntheticHttpTraffic } from '../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../src/synth/write.ts';
import { activeSeconds, BIN, measure, startProcess, table } from './support.ts';

const DIR = '/tmp/reprise-bench';
const CONCURRENCY = 50;
const THROUGHPUT_NOTE = [
  'req/s: answered requests over the time from the first connection to the last response, on both sides.',
  'Both read the capture before that clock starts: the plain client all of it, reprise its --speed max',
  'read-ahead (up to 4,096 sessions or 32 MB of requests, at most 1 s). CPU s: the whole process',
  "(start-up and capture reading; for reprise also the report), so it is not the clock's interval.",
].join('\n');

async function ensureCapture(
  name: string,
  options: Parameters<typeof syntheticHttpTraffic>[0],
): Promise<string> {
  const path = join(DIR, name);
  if (!existsSync(path)) {
    process.stdout.write(`generating ${path} ...\n`);
    await writeSyntheticCapture(path, syntheticHttpTraffic(options));
  }
  return path;
}

async function replayCli(capture: string, port: number, extra: string[]) {
  const reportPath = join(DIR, `report-${Date.now()}.json`);
  const stats = await measure(process.execPath, [
    BIN,
    'replay',
    capture,
    '-x',
    `80-127.0.0.1:${port}`,
    '--no-tui',
    '--report',
    reportPath,
    ...extra,
  ]);
  if (stats.code !== 0) throw new Error(`reprise replay failed (${stats.code}): ${stats.stderr}`);
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as RunReport;
  rmSync(reportPath);
  return { stats, report };
}

/** The reference, in its own process (bench/plain-client.ts). */
async function plainClient(capture: string, port: number, concurrency: number) {
  const stats = await measure(process.execPath, [
    '--import',
    'tsx',
    join(import.meta.dirname, 'plain-client.ts'),
    capture,
    String(port),
    String(concurrency),
  ]);
  if (stats.code !== 0) throw new Error(`the plain client failed: ${stats.stderr}`);
  return {
    ...(JSON.parse(stats.stdout) as { answered: number; seconds: number }),
    cpuSeconds: stats.cpuSeconds,
  };
}

export async function benchReplay(): Promise<void> {
  await import('node:fs/promises').then((fs) => fs.mkdir(DIR, { recursive: true }));
  const target = await startProcess(process.execPath, [
    '--import',
    'tsx',
    join(import.meta.dirname, 'target.ts'),
  ]);
  const port = Number(target.firstLine);
  try {
    // 1. Throughput at --speed max.
    const many = await ensureCapture('http-20k.pcap', {
      sessions: 2000,
      requestsPerSession: 10,
      sessionSpacingMs: 2,
      thinkTimeMs: 5,
      serverLatencyMs: 1,
      rttMs: 0.2,
    });
    const sessions: CapturedSession[] = [];
    await readSessions(many, { sessionClosed: (s) => sessions.push(s) });
    const requests = sessions.reduce((n, s) => n + s.requests.length, 0);
    await plainClient(many, port, CONCURRENCY); // warms the target up
    // Rounds: the machine's load drifts, so compare within a round and report the median; which
    // side goes first alternates, so that neither always meets the target as the other left it.
    const rounds = [];
    for (let round = 1; round <= 3; round++) {
      const runPlain = () => plainClient(many, port, CONCURRENCY);
      const runReprise = () =>
        replayCli(many, port, ['--speed', 'max', '--concurrency', String(CONCURRENCY)]);
      let plain: Awaited<ReturnType<typeof runPlain>>;
      let max: Awaited<ReturnType<typeof runReprise>>;
      if (round % 2 === 1) {
        plain = await runPlain();
        max = await runReprise();
      } else {
        max = await runReprise();
        plain = await runPlain();
      }
      const repriseRps = max.report.totals.requests.answered / activeSeconds(max.report);
      const plainRps = plain.answered / plain.seconds;
      rounds.push({
        round: `${round} (${round % 2 === 1 ? 'plain' : 'reprise'} first)`,
        'plain answered': plain.answered,
        'plain req/s': plainRps,
        'plain CPU s': plain.cpuSeconds,
        'reprise req/s': repriseRps,
        ratio: repriseRps / plainRps,
        'reprise answered': max.report.totals.requests.answered,
        'reprise CPU s': max.stats.cpuSeconds,
        'reprise RSS MB': max.stats.peakRssMb,
      });
    }
    const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
    process.stdout.write(
      `\nthroughput: ${requests.toLocaleString()} HTTP requests in ${sessions.length} sessions, concurrency ${CONCURRENCY}, plain Node client vs reprise replay --speed max\n${table(rounds)}\nmedian ratio reprise/plain: ${ratios[1].toFixed(2)}x (target >= 0.8x)\n${THROUGHPUT_NOTE}\n`,
    );

    // 2. Send lag at --speed 1.
    const timed = await ensureCapture('http-timed-10s.pcap', {
      sessions: 300,
      requestsPerSession: 10,
      sessionSpacingMs: 25,
      thinkTimeMs: 200,
      serverLatencyMs: 1,
      rttMs: 1,
    });
    const lags = [];
    for (let round = 0; round < 3; round++) {
      const one = await replayCli(timed, port, ['--speed', '1']);
      lags.push({
        round: round + 1,
        requests: one.report.totals.requests.sent,
        seconds: one.report.durationMs / 1000,
        'lag p50 ms': one.report.sendLag.p50,
        'lag p99 ms': one.report.sendLag.p99,
        'lag max ms': one.report.sendLag.max,
      });
    }
    const p99s = lags.map((l) => l['lag p99 ms']).sort((a, b) => a - b);
    process.stdout.write(
      `\ntiming at --speed 1 (3 runs of a 10 s capture, 300 requests/s)\n${table(lags)}\nmedian send lag p99 ${p99s[1].toFixed(3)} ms (target < 2 ms)\n`,
    );

    // 3. Memory is flat in the capture's size.
    const big = {
      requestsPerSession: 10,
      sessionSpacingMs: 1,
      thinkTimeMs: 5,
      serverLatencyMs: 1,
      rttMs: 0.2,
      bodyBytes: 1400,
    };
    const quarter = await ensureCapture('http-250mb.pcap', { ...big, sessions: 12_000 });
    const gigabyte = await ensureCapture('http-1gb.pcap', { ...big, sessions: 50_000 });
    const rows = [];
    for (const capture of [quarter, gigabyte]) {
      const run = await replayCli(capture, port, [
        '--speed',
        'max',
        '--sample',
        '2',
        '--concurrency',
        String(CONCURRENCY),
      ]);
      rows.push({
        capture: capture.split('/').pop() ?? capture,
        'size MB': statSync(capture).size / 1e6,
        'sessions replayed': run.report.totals.sessions.completed,
        seconds: run.stats.seconds,
        'peak RSS MB': run.stats.peakRssMb,
      });
    }
    process.stdout.write(
      `\nmemory (--speed max --sample 2: the whole file is read, 2% replayed)\n${table(rows)}\n(target < 200 MB, flat)\n`,
    );
  } finally {
    target.child.kill('SIGKILL');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchReplay();
