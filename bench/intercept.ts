/**
 * Intercept capacity benchmark (issue 4: ">= 100,000 response packets/s without loss"), without
 * the replayer: in two network namespaces joined by a veth pair, `reprise intercept` (the real
 * CLI) captures on one end while intercept-blaster.ts injects synthetic target responses on the
 * other at a fixed rate, for 10,000 sessions that intercept-client.ts (an InterceptClient, over
 * the intercept's loopback) registered first. A fresh intercept and client per rate.
 * Reports per rate: offered packets/s (measured), captured and routed (intercept's totals),
 * records the client received, loss (offered - received), and intercept CPU per packet.
 * Root needed. INTERCEPT_BENCH_RATES=50000,100000 picks the rates; INTERCEPT_BENCH_PROFILE=<dir>
 * runs the intercept under node --cpu-prof, writing its profiles there.
 * Run: node --import tsx bench/intercept.ts
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  addVethPair,
  createNamespaces,
  finished,
  type Namespaces,
  skipReasonWithoutNetns,
  uniqueNames,
  waitForOutput,
} from '../test/helpers/netns.ts';
import { BIN, cpuSecondsOf, ROOT, table } from './support.ts';

const RATES = (process.env.INTERCEPT_BENCH_RATES ?? '50000,100000,150000,200000').split(',').map(Number);
const SECONDS = 3;
const DEVICE = 'eth0';
const PROFILE_DIR = process.env.INTERCEPT_BENCH_PROFILE;

const skip = skipReasonWithoutNetns();
if (skip) {
  process.stdout.write(`intercept bench skipped: ${skip}\n`);
  process.exit(0);
}

execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
const { names } = uniqueNames('icbench', ['cap', 'inj']);
const hosts = createNamespaces([names.cap, names.inj]);
try {
  addVethPair([names.cap, DEVICE], [names.inj, DEVICE]);
  for (const ns of [names.cap, names.inj]) hosts.run(ns, 'ip', ['link', 'set', DEVICE, 'up']);
  const rows = [];
  for (const rate of RATES) rows.push(await runAt(hosts, rate));
  process.stdout.write(
    `intercept capacity, ${SECONDS} s per rate, 10,000 routed sessions (target: >= 100,000 packets/s without loss)\n`,
  );
  process.stdout.write(`${table(rows)}\n`);
} finally {
  await hosts.close();
}

async function runAt(hosts: Namespaces, rate: number): Promise<Record<string, string | number>> {
  const intercept = hosts.spawn(names.cap, process.execPath, [
    ...(PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : []),
    BIN,
    'intercept',
    '-i',
    DEVICE,
    '-F',
    'tcp and src port 8080',
    '-b',
    '127.0.0.1',
    '--no-tui',
  ]);
  const interceptDone = finished(intercept);
  await waitForOutput(intercept, 'intercept listening', 15_000);
  const client = hosts.spawn(names.cap, process.execPath, [
    '--import',
    'tsx',
    join(ROOT, 'bench/intercept-client.ts'),
    '127.0.0.1',
    '36524',
  ]);
  await waitForOutput(client, /ready \d+/, 15_000);
  const interceptPid = intercept.pid ?? 0;
  const cpuBefore = cpuSecondsOf(interceptPid);
  const blast = finished(
    hosts.spawn(names.inj, process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'bench/intercept-blaster.ts'),
      DEVICE,
      String(rate),
      String(SECONDS),
    ]),
  );
  const blasted = await blast;
  if (blasted.code !== 0) throw new Error(`blaster failed (exit ${blasted.code}): ${blasted.stderr}`);
  const offer = JSON.parse(blasted.stdout.trim().split('\n').at(-1) ?? '{}') as {
    sent: number;
    seconds: number;
  };
  const received = await settledRecords(client);
  const cpu = cpuSecondsOf(interceptPid) - cpuBefore;
  intercept.kill('SIGTERM');
  const { stderr } = await interceptDone;
  client.kill('SIGTERM');
  const totals = /captured (\d+), routed (\d+)/.exec(stderr);
  return {
    'rate asked/s': rate,
    'offered/s': Math.round(offer.sent / offer.seconds),
    offered: offer.sent,
    captured: Number(totals?.[1] ?? Number.NaN),
    routed: Number(totals?.[2] ?? Number.NaN),
    'records at client': received,
    loss: offer.sent - received,
    'intercept CPU s': cpu,
    'CPU µs/packet': offer.sent > 0 ? (cpu * 1e6) / offer.sent : Number.NaN,
  };
}

/** The client's record count once it has stopped growing for half a second. */
async function settledRecords(client: ChildProcess): Promise<number> {
  let latest = 0;
  client.stdout?.on('data', (d: Buffer) => {
    const counts = [...d.toString().matchAll(/records (\d+)/g)];
    if (counts.length > 0) latest = Number(counts[counts.length - 1][1]);
  });
  let previous = -1;
  for (let stableFor = 0, waited = 0; stableFor < 500 && waited < 10_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    stableFor = latest === previous ? stableFor + 100 : 0;
    previous = latest;
  }
  return latest;
}
