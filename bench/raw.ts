/**
 * Raw transport benchmark (issue 4), in network namespaces (root needed): a capture of >= 20,000
 * short HTTP requests, on keep-alive (5 per connection) and one-request connections, replayed at
 * --speed max from the replay host through `reprise intercept` on the assist host to nginx on the
 * target. Reports requests/s delivered (counted in nginx's access log), delivered/captured, CPU
 * seconds and peak RSS of the replayer and of intercept, and intercept's response packets/s
 * against the segments the target sent (its TCP counters).
 * Targets: 100% delivered; >= 30,000 requests/s; intercept >= 100,000 response packets/s without loss.
 * For scale, wrk (a C client on kernel sockets, no intercept) is measured on the same hosts first.
 * The replay runs through the real CLI (bin/reprise.js); the bench builds the bundle first so
 * that bin/ runs it rather than the TypeScript sources.
 * Run: node --import tsx bench/raw.ts [--requests 20000]
 * --requests scales the capture (half on keep-alive connections, half one per connection): a
 * longer run shows the replayer's steady state, with V8's warm-up a smaller share of it.
 * For profiling: RAW_BENCH_NODE_ARGS (node flags of the replayer, e.g. "--cpu-prof"),
 * RAW_BENCH_STDOUT (a file to keep the replayer's stdout in, where V8's traces go) and
 * RAW_BENCH_CONCURRENCY (--concurrency of the replay and wrk's connections; 1000 by default).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../src/report/schema.ts';
import { syntheticHttpTraffic } from '../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../src/synth/write.ts';
import {
  ASSIST_IP,
  buildTestHosts,
  CLIENT_POOL,
  HOST_DEVICE,
  skipReasonWithoutNetns,
  TARGET_IP,
  waitForOutput,
} from '../test/helpers/netns.ts';
import { activeSeconds, BIN, cpuSecondsOf, measure, numberFlag, ROOT, table } from './support.ts';

const DIR = `/tmp/rp-bench-raw-${process.pid}`;
const REQUESTS = requestsWanted();
const KEEP_ALIVE = { sessions: Math.round(REQUESTS / 10), requestsPerSession: 5 };
const ONE_SHOT = { sessions: Math.round(REQUESTS / 2), requestsPerSession: 1 };
const CAPTURED =
  KEEP_ALIVE.sessions * KEEP_ALIVE.requestsPerSession + ONE_SHOT.sessions * ONE_SHOT.requestsPerSession;

const skip = skipReasonWithoutNetns();
if (skip) {
  process.stdout.write(`raw bench skipped: ${skip}\n`);
  process.exit(0);
}

execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
mkdirSync(DIR, { recursive: true });
const hosts = buildTestHosts('rawbench');
try {
  const captures = [
    await capture('keep-alive.pcap', KEEP_ALIVE, 11),
    await capture('one-request.pcap', ONE_SHOT, 12),
  ];
  const accessLog = join(DIR, 'access.log');
  writeFileSync(join(DIR, 'nginx.conf'), nginxConfig(accessLog));
  const nginx = hosts.spawn(hosts.target, 'nginx', [
    '-p',
    DIR,
    '-c',
    join(DIR, 'nginx.conf'),
    '-g',
    'daemon off;',
  ]);
  await waitForPort(hosts.target);
  const intercept = hosts.spawn(hosts.assist, process.execPath, [
    BIN,
    'intercept',
    '-i',
    HOST_DEVICE,
    '-F',
    'tcp and src port 8080',
    '--no-tui',
  ]);
  let interceptLog = '';
  intercept.stderr?.on('data', (d: Buffer) => {
    interceptLog += d.toString();
  });
  await waitForOutput(intercept, 'intercept listening', 15_000);
  const reference = kernelClientReference(hosts.replay);
  const loggedBefore = countLines(accessLog);
  const before = tcpCounters(hosts.run(hosts.target, 'nstat', ['-az']));

  const reportPath = join(DIR, 'report.json');
  const replay = await measure('ip', [
    'netns',
    'exec',
    hosts.replay,
    process.execPath,
    ...(process.env.RAW_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    BIN,
    'replay',
    ...captures,
    '-x',
    `80-${TARGET_IP}:8080`,
    '-s',
    ASSIST_IP,
    '-c',
    CLIENT_POOL,
    '--speed',
    'max',
    '--concurrency',
    process.env.RAW_BENCH_CONCURRENCY ?? '1000',
    '--report',
    reportPath,
    '--no-tui',
  ]);
  if (!existsSync(reportPath))
    throw new Error(`replay failed (exit ${replay.code}): ${replay.stderr.slice(-2000)}`);
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as RunReport;
  if (process.env.RAW_BENCH_STDOUT) writeFileSync(process.env.RAW_BENCH_STDOUT, replay.stdout);
  const transport = rawTransportLine(replay.stderr);
  const after = tcpCounters(hosts.run(hosts.target, 'nstat', ['-az']));
  const interceptPid = intercept.pid ?? 0;
  const interceptCpu = cpuSecondsOf(interceptPid);
  const interceptRss = peakRssMb(interceptPid);
  const exited = new Promise((r) => intercept.once('exit', r));
  intercept.kill('SIGTERM');
  await exited;
  nginx.kill('SIGTERM');

  const delivered = countLines(accessLog) - loggedBefore;
  const seconds = activeSeconds(report);
  const totals = [...interceptLog.matchAll(/captured (\d+), routed (\d+)/g)].at(-1);
  const captured = Number(totals?.[1] ?? Number.NaN);
  const routed = Number(totals?.[2] ?? Number.NaN);
  const targetSegments = after.out + after.retrans - (before.out + before.retrans);
  const outcomes: Record<string, number> = {};
  for (const s of report.sessions) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;

  process.stdout.write(
    `${table([
      { figure: 'requests captured', value: CAPTURED, target: '' },
      { figure: 'requests delivered (nginx log)', value: delivered, target: '' },
      {
        figure: 'delivered / captured',
        value: `${((100 * delivered) / CAPTURED).toFixed(2)} %`,
        target: '100 %',
      },
      { figure: 'replay run, whole (s)', value: report.durationMs / 1000, target: '' },
      { figure: 'replay run, first start to last end (s)', value: seconds, target: '' },
      { figure: 'requests/s delivered', value: Math.round(delivered / seconds), target: '>= 30,000' },
      ...referenceRows(reference, delivered / seconds),
      {
        figure: 'replay CPU s / peak RSS MB',
        value: `${replay.cpuSeconds} / ${replay.peakRssMb.toFixed(0)}`,
        target: '',
      },
      {
        figure: 'intercept CPU s / peak RSS MB',
        value: `${interceptCpu} / ${interceptRss.toFixed(0)}`,
        target: '',
      },
      { figure: 'replay packets sent', value: transport.packetsSent, target: '' },
      { figure: 'target TCP segments sent', value: targetSegments, target: '' },
      { figure: 'intercept captured', value: captured, target: '= segments sent' },
      { figure: 'intercept response packets/s', value: Math.round(captured / seconds), target: '>= 100,000' },
      { figure: 'intercept loss (segments sent - captured)', value: targetSegments - captured, target: '0' },
      { figure: 'records at the replayer', value: transport.records, target: '= intercept routed' },
      { figure: 'intercept routed', value: routed, target: '' },
    ])}\n`,
  );
  process.stdout.write(`session outcomes: ${JSON.stringify(outcomes)}\n`);
  process.stdout.write(`replay stderr: ${replay.stderr.trim().split('\n').slice(-3).join(' / ')}\n`);
  const lives = report.sessions.map((s) => (s.endedMs ?? 0) - (s.startedMs ?? 0)).sort((a, b) => a - b);
  const at = (q: number) => lives[Math.min(lives.length - 1, Math.floor(q * lives.length))].toFixed(1);
  process.stdout.write(`session life (ms): p50 ${at(0.5)}, p90 ${at(0.9)}, p99 ${at(0.99)}, max ${at(1)}\n`);
} finally {
  await hosts.close();
  rmSync(DIR, { recursive: true, force: true });
}

function requestsWanted(): number {
  const requests = numberFlag('--requests') ?? 20_000;
  if (!Number.isInteger(requests) || requests < 20_000 || requests % 10 !== 0) {
    process.stderr.write('raw bench: --requests wants a multiple of 10, at least 20000\n');
    process.exit(2);
  }
  return requests;
}

async function capture(name: string, shape: { sessions: number; requestsPerSession: number }, seed: number) {
  const path = join(DIR, name);
  if (!existsSync(path)) {
    await writeSyntheticCapture(
      path,
      syntheticHttpTraffic({
        ...shape,
        sessionSpacingMs: 1,
        thinkTimeMs: 1,
        serverLatencyMs: 1,
        rttMs: 1,
        serverPort: 80,
        bodyBytes: 64,
        seed,
      }),
    );
  }
  return path;
}

interface Reference {
  shape: string;
  /** The share of the captured requests that have this shape. */
  share: number;
  requestsPerSecond: number;
}

/**
 * What this machine's kernel and nginx manage with a C client on kernel sockets (wrk, 2 threads,
 * the replay's concurrency), on the same hosts and without intercept: the figure the replay's
 * requests/s is read against. One-request connections and keep-alive ones, 3 s each.
 */
function kernelClientReference(replayHost: string): Reference[] {
  const connections = process.env.RAW_BENCH_CONCURRENCY ?? '1000';
  const shapes: Array<[string, number, string[]]> = [
    ['one request per connection', ONE_SHOT.sessions / CAPTURED, ['-H', 'Connection: close']],
    ['keep-alive', (KEEP_ALIVE.sessions * KEEP_ALIVE.requestsPerSession) / CAPTURED, []],
  ];
  const url = `http://${TARGET_IP}:8080/`;
  const references: Reference[] = [];
  for (const [shape, share, extra] of shapes) {
    let out: string;
    try {
      out = hosts.run(replayHost, 'wrk', ['-t2', `-c${connections}`, '-d3s', ...extra, url]);
    } catch (err) {
      process.stdout.write(
        `no kernel-client reference: wrk failed (apt-get install wrk): ${(err as Error).message}\n`,
      );
      return [];
    }
    const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
    if (rate) references.push({ shape, share, requestsPerSecond: Math.round(Number(rate[1])) });
  }
  return references;
}

/** Each reference shape, and the capture's mix of them (time-weighted: the harmonic blend). */
function referenceRows(references: Reference[], replayed: number) {
  const row = (shape: string, rate: number) => ({
    figure: `  wrk, ${shape}`,
    value: `${Math.round(rate).toLocaleString('en-US')} (reprise ${(replayed / rate).toFixed(2)}x)`,
    target: '',
  });
  const rows = references.map((r) => row(r.shape, r.requestsPerSecond));
  if (references.length === 2) {
    rows.push(
      row("the capture's mix", 1 / references.reduce((t, r) => t + r.share / r.requestsPerSecond, 0)),
    );
  }
  return rows;
}

function countLines(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0).length;
}

function nginxConfig(accessLog: string): string {
  return `worker_processes 1;
error_log ${DIR}/error.log;
pid ${DIR}/nginx.pid;
events { worker_connections 16384; }
http {
  access_log ${accessLog};
  keepalive_requests 100000;
  client_body_temp_path ${DIR}/body;
  proxy_temp_path ${DIR}/proxy;
  fastcgi_temp_path ${DIR}/fastcgi;
  uwsgi_temp_path ${DIR}/uwsgi;
  scgi_temp_path ${DIR}/scgi;
  server {
    listen 8080 reuseport backlog=65535;
    location / { return 200 "ok\\n"; }
  }
}
`;
}

async function waitForPort(ns: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (/:8080\b/.test(hosts.run(ns, 'ss', ['-ltn']))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('nginx did not listen on 8080');
}

function rawTransportLine(stderr: string): { packetsSent: number; records: number } {
  const m = /raw transport: (\d+) packets sent .*?, (\d+) response headers from intercept/.exec(stderr);
  return { packetsSent: Number(m?.[1] ?? Number.NaN), records: Number(m?.[2] ?? Number.NaN) };
}

function tcpCounters(nstat: string): { out: number; retrans: number } {
  const value = (name: string) => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(nstat)?.[1] ?? 0);
  return { out: value('TcpOutSegs'), retrans: value('TcpRetransSegs') };
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}
