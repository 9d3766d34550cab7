/**
 * Runs a replay with the raw transport inside the replay namespace, wired as `reprise replay`
 * wires it (run, metrics, report), and prints `RESULT <json>` with the report's sessions, the
 * warnings and the transport's counters. With `packetsOut`, every packet sent is appended to that
 * file (u32 length + bytes) so that two runs can be compared.
 * Usage: node --import tsx raw-replay-runner.ts '<RunnerConfig as JSON>'
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { openCaptureFeed } from '../../src/replay/flow-feed.ts';
import { metricsObserver } from '../../src/replay/metrics-observer.ts';
import { ReplayRun } from '../../src/replay/run.ts';
import { buildReport } from '../../src/report/build.ts';
import { RunMetrics } from '../../src/report/metrics.ts';
import { createRawTransport } from '../../src/transport/raw-create.ts';

export interface RunnerConfig {
  captures: string[];
  transfer: { sourcePort: number; ip: string; port: number };
  intercepts: string;
  clientIps?: string;
  multiply?: number;
  seed?: number;
  speed?: number | 'max';
  keepGoing?: boolean;
  sessionTimeoutMs?: number;
  synRetries?: number;
  noWait?: boolean;
  packetsOut?: string;
  sendLink?: string;
}

const config = JSON.parse(process.argv[2]) as RunnerConfig;
const warnings: string[] = [];
const warn = (m: string) => {
  warnings.push(m);
  process.stderr.write(`reprise: ${m}\n`);
};
if (config.packetsOut) writeFileSync(config.packetsOut, '');
const packets: Buffer[] = [];
const transport = await createRawTransport({
  intercepts: config.intercepts,
  connectionsEach: 1,
  keepGoing: config.keepGoing ?? false,
  ...(config.clientIps ? { clientIps: config.clientIps } : {}),
  portShift: 0,
  seed: config.seed ?? 1,
  targets: [config.transfer.ip],
  ...(config.sendLink ? { sendLink: config.sendLink } : {}),
  engine: {
    noWait: config.noWait ?? false,
    sessionTimeoutUs: (config.sessionTimeoutMs ?? 10_000) * 1000,
    ...(config.synRetries !== undefined ? { synRetries: config.synRetries } : {}),
  },
  warn,
  noFeedbackWarnMs: 1500,
  ...(config.packetsOut ? { tap: (p: Buffer) => packets.push(Buffer.from(p)) } : {}),
});
const speed = config.speed === 'max' || config.speed === undefined ? Number.POSITIVE_INFINITY : config.speed;
const metrics = new RunMetrics({ startedAt: new Date(), clock: () => run.nowMs() });
const run: ReplayRun = new ReplayRun(
  {
    captures: config.captures,
    transfers: [
      {
        sourcePort: config.transfer.sourcePort,
        target: { ip: config.transfer.ip, port: config.transfer.port },
      },
    ],
    speed,
    concurrency: 1000,
    loop: 1,
    samplePercent: 100,
    onlyComplete: false,
    multiply: config.multiply ?? 1,
    seed: config.seed ?? 1,
    lookaheadMs: 2000,
  },
  transport,
  metricsObserver(metrics),
  openCaptureFeed,
);
const runStarted = performance.now();
await run.run();
const runMs = performance.now() - runStarted;
const report = buildReport(metrics, { captures: [], options: {}, targets: [], transport: transport.name });
if (config.packetsOut) {
  for (const p of packets) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(p.length);
    appendFileSync(config.packetsOut, Buffer.concat([length, p]));
  }
}
const result = {
  sessions: report.sessions.map((s) => ({
    id: s.sessionId,
    copy: s.copy,
    outcome: s.outcome,
    reason: s.reason,
    replayedFrom: s.replayedFrom,
    requestsPlanned: s.requestsPlanned,
    sent: s.requests.filter((r) => r.sentMs !== undefined).length,
    answered: s.requests.filter((r) => r.firstByteMs !== undefined).length,
    startedMs: s.startedMs,
    endedMs: s.endedMs,
  })),
  totals: report.totals,
  warnings,
  runMs,
  transport: transport.stats,
  sender: transport.senderStats,
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
