/**
 * `node --import tsx bench/record.ts [rate/s ...]`: offers TCP packets on a veth between two
 * namespaces at fixed rates (default 100k, 200k, 300k, 400k packets/s, 3 s each) and measures
 * what `reprise record` and `tcpdump -w` capture of the same offer: packets written, lost, CPU
 * seconds (utime + stime from /proc). Both get the same 32 MiB kernel buffer. Needs root.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachRecord } from '../src/capture/index.ts';
import { BIN, cpuSecondsOf, ROOT, table } from './support.ts';

const SECONDS = Number(process.env.RECORD_BENCH_SECONDS ?? 3);
const BUFFER_KIB = process.env.RECORD_BENCH_BUFFER_KIB ?? '262144';
const rates = process.argv.slice(2).map(Number);
if (rates.length === 0) rates.push(100_000, 200_000, 300_000, 400_000);

if (process.getuid?.() !== 0) {
  console.log('bench record: skipped (needs root for network namespaces and live capture)');
  process.exit(0);
}

const tag = `rp-bench-rec-${process.pid}`;
const gen = `${tag}-gen`;
const cap = `${tag}-cap`;
const genDevice = `rpbr${process.pid % 100000}g`;
const capDevice = `rpbr${process.pid % 100000}c`;
const dir = mkdtempSync(join(tmpdir(), 'reprise-bench-record-'));
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe', encoding: 'utf8' });

function makeHosts(): void {
  ip('netns', 'add', gen);
  ip('netns', 'add', cap);
  ip('-n', gen, 'link', 'add', genDevice, 'type', 'veth', 'peer', 'name', capDevice, 'netns', cap);
  ip('-n', gen, 'addr', 'add', '10.81.0.2/24', 'dev', genDevice);
  ip('-n', cap, 'addr', 'add', '10.81.0.1/24', 'dev', capDevice);
  ip('-n', gen, 'link', 'set', genDevice, 'up');
  ip('-n', cap, 'link', 'set', capDevice, 'up');
}

function removeHosts(): void {
  for (const ns of [gen, cap]) {
    try {
      ip('netns', 'del', ns);
    } catch {}
  }
}

function waitFor(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no '${text}' from the capturer: ${seen}`)), 60000);
    const check = (d: Buffer) => {
      seen += d;
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
  });
}

interface Tool {
  name: string;
  command: (file: string) => string[];
  ready: string;
}

const FILTER = 'tcp dst port 8080';
/** No host has it: the receiving kernel drops the frames at once; promiscuous capture still sees them. */
const FOREIGN_MAC = '02:00:00:00:00:99';
const tools: Tool[] = [
  {
    name: 'reprise record',
    command: (file) => [
      process.execPath,
      BIN,
      'record',
      '--no-tui',
      '-B',
      BUFFER_KIB,
      '-i',
      capDevice,
      '-w',
      file,
      FILTER,
    ],
    ready: 'capturing on',
  },
  {
    name: 'tcpdump -w',
    command: (file) => ['tcpdump', '-B', BUFFER_KIB, '-n', '-i', capDevice, '-w', file, FILTER],
    ready: 'listening on',
  },
];

async function offer(macAddress: string, rate: number): Promise<{ sent: number; seconds: number }> {
  const blaster = join(ROOT, 'bench/record-blaster.ts');
  const out = execFileSync(
    'ip',
    [
      'netns',
      'exec',
      gen,
      process.execPath,
      '--import',
      'tsx',
      blaster,
      genDevice,
      macAddress,
      '10.81.0.2',
      '10.81.0.99',
      String(rate),
      String(SECONDS),
    ],
    { encoding: 'utf8', cwd: ROOT },
  );
  return JSON.parse(out) as { sent: number; seconds: number };
}

async function run(tool: Tool, macAddress: string, rate: number): Promise<Record<string, string | number>> {
  const file = join(dir, `${tool.name.split(' ')[0]}-${rate}.pcap`);
  const child = spawn('ip', ['netns', 'exec', cap, ...tool.command(file)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  try {
    await waitFor(child, tool.ready);
    const cpuBefore = cpuSecondsOf(child.pid!);
    const { sent, seconds } = await offer(macAddress, rate);
    await new Promise((r) => setTimeout(r, 1500)); // let the capturer drain its buffer
    const cpu = cpuSecondsOf(child.pid!) - cpuBefore;
    child.kill('SIGINT');
    await closed;
    const summary = await forEachRecord(file, () => {});
    const lost = sent - summary.records;
    return {
      tool: tool.name,
      'asked/s': rate,
      'offered/s': Math.round(sent / seconds),
      sent,
      captured: summary.records,
      lost,
      'loss %': (100 * lost) / sent,
      'CPU s': cpu,
      'CPU µs/packet': (cpu * 1e6) / Math.max(1, summary.records),
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(file, { force: true });
  }
}

const rows: Record<string, string | number>[] = [];
try {
  makeHosts();
  const macAddress = FOREIGN_MAC;
  for (const rate of rates) {
    for (const tool of tools) rows.push(await run(tool, macAddress, rate));
  }
} finally {
  removeHosts();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `${SECONDS} s of 118-byte TCP frames per rate on a veth; both capturers with a ${Number(BUFFER_KIB) / 1024} MiB buffer.`,
);
console.log(
  `CPU: utime+stime of the capturer from /proc/<pid>/stat (${
    readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('processor')).length
  } cores).`,
);
console.log(table(rows));
