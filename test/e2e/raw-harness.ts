/**
 * The pieces every raw-transport end-to-end test uses: the logging HTTP target, intercept on the
 * assist host (or on the target), `reprise replay` run in the replay namespace with its run report,
 * and tcpdump recording what the replay host sent.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openCapture } from '../../src/capture/open.ts';
import { LinkType } from '../../src/capture/record.ts';
import { readSessions } from '../../src/flow/pipeline.ts';
import type { SessionResult } from '../../src/report/outcome.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { CORPUS_FILES } from '../helpers/corpus.ts';
import {
  ASSIST_IP,
  BLACK_HOLE_DEVICE,
  buildTestHosts,
  CLIENT_POOL,
  finished,
  HOST_DEVICE,
  TARGET_IP,
  type TestHosts,
  type TestHostsOptions,
  waitForOutput,
} from '../helpers/netns.ts';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const REPRISE = fileURLToPath(new URL('../../bin/reprise.js', import.meta.url));
export const CORPUS = CORPUS_FILES.slice(0, -1);

export interface LoggedRequest {
  address: string;
  port: number;
  method: string;
  url: string;
  body: number;
}

export interface HttpTarget {
  process: ChildProcess;
  requests(): LoggedRequest[];
}

export async function startHttpTarget(hosts: TestHosts, port = 8080): Promise<HttpTarget> {
  const child = hosts.spawn(hosts.target, process.execPath, [
    '--import',
    'tsx',
    here('./raw-http-log-server.ts'),
    String(port),
  ]);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitForOutput(child, `listening on ${port}`);
  return {
    process: child,
    requests: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LoggedRequest),
  };
}

export async function startIntercept(
  hosts: TestHosts,
  ns: string,
  filter = 'tcp and src port 8080',
  device = HOST_DEVICE,
): Promise<ChildProcess> {
  const child = hosts.spawn(ns, process.execPath, [
    REPRISE,
    'intercept',
    '-i',
    device,
    '-F',
    filter,
    '--no-tui',
  ]);
  await waitForOutput(child, 'intercept listening', 15_000);
  return child;
}

export interface HttpReplayHosts {
  hosts: TestHosts;
  target: HttpTarget;
  intercept: ChildProcess;
}

/**
 * Test hosts with the logging HTTP target on port 8080 and intercept capturing its responses: on
 * the assist host, or with `interceptOnTarget` on the target's black-hole device.
 */
export async function startHttpReplayHosts(
  purpose: string,
  options: TestHostsOptions = {},
): Promise<HttpReplayHosts> {
  const hosts = buildTestHosts(purpose, options);
  try {
    const target = await startHttpTarget(hosts);
    const intercept = options.interceptOnTarget
      ? await startIntercept(hosts, hosts.target, 'tcp and src port 8080', BLACK_HOLE_DEVICE)
      : await startIntercept(hosts, hosts.assist);
    return { hosts, target, intercept };
  } catch (err) {
    await hosts.close();
    throw err;
  }
}

/** Replays captured HTTP (server port 80) to that target, through intercept on the assist host, from the client pool. */
export const HTTP_TO_TARGET = {
  transfer: `80-${TARGET_IP}:8080`,
  intercepts: ASSIST_IP,
  clientIps: CLIENT_POOL,
} as const satisfies Partial<ReplayFlags>;

/** `reprise replay` flags the tests vary; the rest are the CLI's defaults. */
export interface ReplayFlags {
  captures: string[];
  /** `-x`, e.g. `80-10.77.0.2:8080`. */
  transfer: string;
  /** `-s`. */
  intercepts: string;
  clientIps?: string;
  multiply?: number;
  seed?: number;
  speed?: number | 'max';
  sessionTimeoutS?: number;
  sendLink?: string;
}

export interface ReplayedSession {
  id: number;
  copy: number;
  outcome: string;
  reason?: string;
  replayedFrom?: string;
  requestsPlanned: number;
  sent: number;
  answered: number;
}

/** The raw transport's counters, from the report. */
export interface RawTransportLine {
  packetsSent: number;
  packetsFailed: number;
  records: number;
  unroutable: number;
}

export interface ReplayResult {
  code: number | null;
  report: RunReport;
  sessions: ReplayedSession[];
  transport: RawTransportLine;
  stdout: string;
  stderr: string;
}

/** The `reprise replay` arguments for `flags`, writing the report to `reportPath`. */
export function replayArgs(flags: ReplayFlags, reportPath: string): string[] {
  const args = [
    REPRISE,
    'replay',
    ...flags.captures,
    '-x',
    flags.transfer,
    '-s',
    flags.intercepts,
    '--speed',
    String(flags.speed ?? 'max'),
    '--seed',
    String(flags.seed ?? 1),
    '--report',
    reportPath,
    '--no-tui',
  ];
  if (flags.clientIps !== undefined) args.push('-c', flags.clientIps);
  if (flags.multiply !== undefined) args.push('-n', String(flags.multiply));
  if (flags.sessionTimeoutS !== undefined) args.push('--session-timeout', String(flags.sessionTimeoutS));
  if (flags.sendLink !== undefined) args.push('--send-link', flags.sendLink);
  return args;
}

/**
 * Runs `reprise replay` in the replay namespace and resolves with its run report, its stderr and
 * the raw transport's closing counts; rejects when it wrote no report.
 */
export async function runReplay(
  hosts: TestHosts,
  flags: ReplayFlags,
  onStart?: (child: ChildProcess) => void,
): Promise<ReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rp-rawreplay-'));
  const reportPath = join(dir, 'report.json');
  try {
    const child = hosts.spawn(hosts.replay, process.execPath, replayArgs(flags, reportPath));
    onStart?.(child);
    const { code, stdout, stderr } = await finished(child);
    if (!existsSync(reportPath)) {
      throw new Error(`reprise replay exited with ${code} and wrote no report; stderr: ${stderr}`);
    }
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as RunReport;
    return {
      code,
      report,
      sessions: report.sessions.map(summary),
      transport: transportCounters(report),
      stdout,
      stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function summary(s: SessionResult): ReplayedSession {
  return {
    id: s.sessionId,
    copy: s.copy,
    outcome: s.outcome,
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    ...(s.replayedFrom !== undefined ? { replayedFrom: s.replayedFrom } : {}),
    requestsPlanned: s.requestsPlanned,
    sent: s.requests.filter((r) => r.sentMs !== undefined).length,
    answered: s.requests.filter((r) => r.firstByteMs !== undefined).length,
  };
}

function transportCounters(report: RunReport): RawTransportLine {
  const c = report.transportCounters;
  if (!c) throw new Error('the report has no transport counters');
  return {
    packetsSent: c.packetsSent,
    packetsFailed: c.packetsFailed,
    records: c.responseHeaders,
    unroutable: c.unroutableHeaders,
  };
}

/**
 * Records the IPv4 packets a host sends from the client pool on its `eth0` (tcpdump in its
 * namespace, writing pcap to `path`); `stop()` resolves with them in order.
 */
export async function recordSentPackets(
  hosts: TestHosts,
  ns: string,
  path: string,
): Promise<{ stop(): Promise<Buffer[]> }> {
  const filter = `tcp and src net ${CLIENT_POOL}`;
  const child = hosts.spawn(ns, 'tcpdump', [
    '-i',
    HOST_DEVICE,
    '--immediate-mode',
    '-U',
    '-n',
    '-w',
    '-',
    filter,
  ]);
  const file = createWriteStream(path);
  child.stdout?.pipe(file);
  await waitForOutput(child, 'listening on');
  return {
    async stop() {
      const written = new Promise<void>((resolve) => file.once('close', () => resolve()));
      child.kill('SIGINT');
      await written;
      return ipPacketsOf(path);
    },
  };
}

const ETHERNET_HEADER = 14;

async function ipPacketsOf(path: string): Promise<Buffer[]> {
  const reader = await openCapture(path);
  const packets: Buffer[] = [];
  for await (const cursor of reader.batches()) {
    for (let r = cursor.next(); r !== null; r = cursor.next()) {
      if (r.linkType !== LinkType.ETHERNET) throw new Error(`${path}: link type ${r.linkType}, not Ethernet`);
      const start = r.offset + ETHERNET_HEADER;
      packets.push(Buffer.from(r.buf.subarray(start, r.offset + r.capturedLength)));
    }
  }
  return packets;
}

const REQUEST_LINE = /(?:^|\r\n\r\n)(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH) (\S+) HTTP\/1\.[01]\r\n/g;

/** `METHOD url` of every HTTP request the capture's clients sent to `serverPort`, sorted. */
export async function capturedHttpRequests(path: string, serverPort: number): Promise<string[]> {
  const lines: string[] = [];
  await readSessions(
    path,
    {
      requestCompleted(session, request) {
        if (session.server.port !== serverPort) return;
        for (const m of request.data.toString('latin1').matchAll(REQUEST_LINE)) lines.push(`${m[1]} ${m[2]}`);
      },
    },
    { keepPayload: true },
  );
  return lines.sort();
}

export function requestLines(requests: LoggedRequest[]): string[] {
  return requests.map((r) => `${r.method} ${r.url}`).sort();
}

/** A `node -e` server on the target host; resolves once it printed `listening on <port>`. */
export async function startScriptServer(
  hosts: TestHosts,
  script: string,
  port: number,
): Promise<{ output: () => string }> {
  const server = hosts.spawn(hosts.target, process.execPath, ['-e', script]);
  let output = '';
  server.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  await waitForOutput(server, `listening on ${port}`);
  return { output: () => output };
}

/**
 * Records `tcp port <port>` on the target host's loopback into `capture` with `reprise record`,
 * while a `node -e` client runs there; resolves to what the client printed.
 */
export async function recordClientOnTarget(
  hosts: TestHosts,
  capture: string,
  port: number,
  clientScript: string,
): Promise<{ stdout: string; stderr: string }> {
  const recorder = hosts.spawn(hosts.target, process.execPath, [
    REPRISE,
    'record',
    '--no-tui',
    '-i',
    'lo',
    '-w',
    capture,
    `tcp port ${port}`,
  ]);
  try {
    await waitForOutput(recorder, /capturing on/, 30_000);
    const client = await finished(hosts.spawn(hosts.target, process.execPath, ['-e', clientScript]));
    await sleep(500); // libpcap hands the last packets over
    return client;
  } finally {
    const recorded = once(recorder, 'close');
    recorder.kill('SIGINT');
    await recorded;
  }
}

/**
 * For a describe block whose test builds its test hosts and a scratch folder: `open(purpose)`
 * builds them, and both are removed after the block, even when the test failed.
 */
export function hostsForBlock(): (purpose: string) => { hosts: TestHosts; dir: string } {
  let hosts: TestHosts | undefined;
  let dir: string | undefined;
  after(async () => {
    await hosts?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return (purpose) => {
    hosts = buildTestHosts(purpose);
    dir = mkdtempSync(join(tmpdir(), `rp-${purpose}-`));
    return { hosts, dir };
  };
}
