/**
 * Raw transport benchmark (issue 4), in network namespaces (root needed): a capture of >= 20,000
 * short HTTP requests, on keep-alive (5 per connection) and one-request connections, replayed at
 * --speed max from the replay host through `reprise intercept` on the assist host to nginx on the
 * target. Reports requests/s delivered (counted in nginx's access log), delivered/captured, CPU
 * seconds and peak RSS of the replayer and of intercept, and intercept's response packets/s
 * against the segments the target sent (its TCP counters).
 * Targets: 100% delivered; >= 30,000 requests/s; intercept >= 100,000 response packets/s without loss.
 * Run: node --import tsx bench/raw.ts
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { BIN, cpuSecondsOf, measure, ROOT, table } from './support.ts';

const DIR = `/tmp/rp-bench-raw-${process.pid}`;
const KEEP_ALIVE = { sessions: 2_000, requestsPerSession: 5 };
const ONE_SHOT = { sessions: 10_000, requestsPerSession: 1 };
const CAPTURED =
  KEEP_ALIVE.sessions * KEEP_ALIVE.requestsPerSession + ONE_SHOT.sessions * ONE_SHOT.requestsPerSession;

const skip = skipReasonWithoutNetns();
if (skip) {
  process.stdout.write(`raw bench skipped: ${skip}\n`);
  process.exit(0);
}

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
  const before = tcpCounters(hosts.run(hosts.target, 'nstat', ['-az']));

  const replay = await measure('ip', [
    'netns',
    'exec',
    hosts.replay,
    process.execPath,
    ...(process.env.RAW_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    '--import',
    'tsx',
    join(ROOT, 'test/e2e/raw-replay-runner.ts'),
    JSON.stringify({
      captures,
      transfer: { sourcePort: 80, ip: TARGET_IP, port: 8080 },
      intercepts: ASSIST_IP,
      clientIps: CLIENT_POOL,
      speed: 'max',
    }),
  ]);
  const line = replay.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`replay failed (exit ${replay.code}): ${replay.stderr.slice(-2000)}`);
  const result = JSON.parse(line.slice(7)) as {
    runMs: number;
    sessions: Array<{ outcome: string; startedMs?: number; endedMs?: number }>;
    transport: { records: number; unroutable: number };
    sender: { sent: number; failed: number; retried: number; queuedPeak: number };
  };
  const after = tcpCounters(hosts.run(hosts.target, 'nstat', ['-az']));
  const interceptPid = intercept.pid ?? 0;
  const interceptCpu = cpuSecondsOf(interceptPid);
  const interceptRss = peakRssMb(interceptPid);
  const exited = new Promise((r) => intercept.once('exit', r));
  intercept.kill('SIGTERM');
  await exited;
  nginx.kill('SIGTERM');

  const delivered = readFileSync(accessLog, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0).length;
  const seconds = result.runMs / 1000;
  const captured = Number([...interceptLog.matchAll(/captured (\d+), routed/g)].at(-1)?.[1] ?? Number.NaN);
  const targetSegments = after.out + after.retrans - (before.out + before.retrans);
  const outcomes: Record<string, number> = {};
  for (const s of result.sessions) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;

  process.stdout.write(
    `${table([
      { figure: 'requests captured', value: CAPTURED, target: '' },
      { figure: 'requests delivered (nginx log)', value: delivered, target: '' },
      {
        figure: 'delivered / captured',
        value: `${((100 * delivered) / CAPTURED).toFixed(2)} %`,
        target: '100 %',
      },
      { figure: 'replay run (s)', value: seconds, target: '' },
      { figure: 'requests/s delivered', value: Math.round(delivered / seconds), target: '>= 30,000' },
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
      { figure: 'target TCP segments sent', value: targetSegments, target: '' },
      { figure: 'intercept captured', value: captured, target: '= segments sent' },
      { figure: 'intercept response packets/s', value: Math.round(captured / seconds), target: '>= 100,000' },
      { figure: 'records at the replayer', value: result.transport.records, target: '' },
    ])}\n`,
  );
  process.stdout.write(`session outcomes: ${JSON.stringify(outcomes)}\n`);
  process.stdout.write(`sender: ${JSON.stringify(result.sender)}\n`);
  const lives = result.sessions.map((s) => (s.endedMs ?? 0) - (s.startedMs ?? 0)).sort((a, b) => a - b);
  const at = (q: number) => lives[Math.min(lives.length - 1, Math.floor(q * lives.length))].toFixed(1);
  process.stdout.write(`session life (ms): p50 ${at(0.5)}, p90 ${at(0.9)}, p99 ${at(0.99)}, max ${at(1)}\n`);
} finally {
  await hosts.close();
  rmSync(DIR, { recursive: true, force: true });
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

function tcpCounters(nstat: string): { out: number; retrans: number } {
  const value = (name: string) => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(nstat)?.[1] ?? 0);
  return { out: value('TcpOutSegs'), retrans: value('TcpRetransSegs') };
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}
