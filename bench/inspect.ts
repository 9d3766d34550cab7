/**
 * Benchmark of the read side: generates a >= 250 MB pcap of small TCP packets (many short
 * sessions, interleaved), then times reprise's reader alone and the full inspect pipeline (reader
 * + decode + flows) in this process, and `reprise inspect FILE` (the CLI, as users run it) against
 * `tcpdump -r FILE -w /dev/null`, both as child processes, alternately for a few rounds (the
 * machine may be loaded: compare within a round, report medians), with their CPU time and
 * reprise's peak RSS. Prints packets/s and ratios; never fails on timing.
 *
 *   node --import tsx bench/inspect.ts [--mb 250] [--rounds 3] [--keep]
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPcapWriter, forEachRecord, LinkType } from '../src/capture/index.ts';
import { inspectCapture } from '../src/cli/inspect.ts';
import { TcpFlag, type TcpSegmentSpec, writeIpv4Tcp } from '../src/packet/index.ts';
import { numberFlag } from './support.ts';

const root = new URL('..', import.meta.url).pathname;
const { SYN, ACK, PSH, FIN } = TcpFlag;

/** Sessions open at once while generating (their packets interleave). */
const CONCURRENT_SESSIONS = 2000;
const REQUESTS_PER_SESSION = 4;
const REQUEST = Buffer.from('GET /item/1234 HTTP/1.1\r\nHost: bench\r\n\r\n');
const RESPONSE = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n${'x'.repeat(60)}`);

interface Step {
  fromClient: boolean;
  flags: number;
  /** Client and server sequence offsets (from their ISNs) of this packet. */
  clientSeq: number;
  serverSeq: number;
  payload: Buffer | undefined;
}

/** One session's packets: handshake, request/response/ack rounds, FIN both ways, last ACK. */
function script(): Step[] {
  const steps: Step[] = [];
  let c = 0;
  let s = 0;
  const add = (fromClient: boolean, flags: number, payload?: Buffer) => {
    steps.push({ fromClient, flags, clientSeq: c, serverSeq: s, payload });
    const length = (payload?.length ?? 0) + (flags & (SYN | FIN) ? 1 : 0);
    if (fromClient) c += length;
    else s += length;
  };
  add(true, SYN);
  add(false, SYN | ACK);
  add(true, ACK);
  for (let i = 0; i < REQUESTS_PER_SESSION; i++) {
    add(true, PSH | ACK, REQUEST);
    add(false, PSH | ACK, RESPONSE);
    add(true, ACK);
  }
  add(true, FIN | ACK);
  add(false, FIN | ACK);
  add(true, ACK);
  return steps;
}

interface Slot {
  clientIp: number;
  clientPort: number;
  clientIsn: number;
  serverIsn: number;
  step: number;
}

async function generate(path: string, minBytes: number): Promise<{ packets: number; sessions: number }> {
  const steps = script();
  const writer = createPcapWriter(path, { linkType: LinkType.ETHERNET });
  const frame = Buffer.alloc(2048);
  frame.writeUInt16BE(0x0800, 12);
  const server = 0x0a630001; // 10.99.0.1
  let sessions = 0;
  const slots: Slot[] = [];
  const newSlot = (): Slot => {
    const n = sessions++;
    return {
      clientIp: (0x0a640000 + (n % 50_000)) >>> 0, // 10.100.x.y
      clientPort: 1024 + ((n * 7) % 60_000),
      clientIsn: Math.imul(n + 1, 2654435761) >>> 0,
      serverIsn: Math.imul(n + 7, 40503) >>> 0,
      step: 0,
    };
  };
  for (let i = 0; i < CONCURRENT_SESSIONS; i++) slots.push(newSlot());
  const spec: TcpSegmentSpec<number> = {
    src: 0,
    dst: 0,
    srcPort: 0,
    dstPort: 80,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 65535,
  };
  let tsUs = 1_700_000_000_000_000;
  let packets = 0;
  for (let turn = 0; writer.bytesWritten < minBytes; turn = (turn + 1) % CONCURRENT_SESSIONS) {
    let slot = slots[turn];
    if (slot.step === steps.length) {
      slot = newSlot();
      slots[turn] = slot;
    }
    const step = steps[slot.step++];
    const clientSeq = (slot.clientIsn + step.clientSeq) >>> 0;
    const serverSeq = (slot.serverIsn + step.serverSeq) >>> 0;
    spec.src = step.fromClient ? slot.clientIp : server;
    spec.dst = step.fromClient ? server : slot.clientIp;
    spec.srcPort = step.fromClient ? slot.clientPort : 80;
    spec.dstPort = step.fromClient ? 80 : slot.clientPort;
    spec.seq = step.fromClient ? clientSeq : serverSeq;
    spec.ack = step.flags === SYN ? 0 : step.fromClient ? serverSeq : clientSeq;
    spec.flags = step.flags;
    spec.payload = step.payload;
    const length = 14 + writeIpv4Tcp(spec, frame, 14);
    tsUs += 10;
    writer.write(Math.floor(tsUs / 1e6), (tsUs % 1e6) * 1000, frame.subarray(0, length));
    packets++;
  }
  await writer.close();
  return { packets, sessions };
}

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await run();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value };
}

/** CPU seconds (user + system) of this process's waited-for children, from /proc/self/stat. */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // After the command and state: cutime and cstime are fields 16 and 17 of stat(5), in clock ticks.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface ChildRun {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
}

/**
 * Runs a command to completion: wall time, CPU time (from the children's rusage, so nothing
 * else may run as our child meanwhile) and peak resident memory (VmHWM, sampled).
 */
function runChild(command: string, args: string[]): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuSeconds();
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: 'ignore' });
    let peakKb = 0;
    const sample = () => {
      try {
        const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peakKb = Math.max(peakKb, Number(match[1]));
      } catch {
        // The process has exited between samples.
      }
    };
    const timer = setInterval(sample, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited with ${code}`));
      else resolve({ seconds, cpuSeconds: childrenCpuSeconds() - cpuBefore, peakRssMb: peakKb / 1024 });
    });
  });
}

const rate = (packets: number, seconds: number) => `${(packets / seconds / 1e6).toFixed(2)} M packets/s`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Whether bin/reprise.js will run the esbuild bundle (else it runs the sources through tsx, slowly). */
function bundleIsFresh(): boolean {
  const bundle = join(root, 'dist/reprise.js');
  if (!existsSync(bundle)) return false;
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
        entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
      ),
    );
  return (
    statSync(bundle).mtimeMs >=
    Math.max(newest(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs)
  );
}

/** `reprise ...args` on the bundle, rebuilt first if src/ changed since (else bin/ would run tsx). */
async function reprise(...args: string[]): Promise<ChildRun> {
  if (!bundleIsFresh()) await runChild(process.execPath, [join(root, 'scripts/build.mjs')]);
  return runChild(process.execPath, [join(root, 'bin/reprise.js'), ...args]);
}

export async function runInspectBench(
  options: { megabytes?: number; keep?: boolean; rounds?: number } = {},
): Promise<void> {
  const megabytes = options.megabytes ?? 250;
  const rounds = options.rounds ?? 3;
  const path = join(tmpdir(), `rp-bench-inspect-${megabytes}mb.pcap`);
  const reuse = existsSync(path) && statSync(path).size >= megabytes * 1e6;
  if (!reuse) {
    const made = await timed(() => generate(path, megabytes * 1e6));
    console.log(
      `generated ${path}: ${(statSync(path).size / 1e6).toFixed(0)} MB, ${made.value.packets} packets, ` +
        `${made.value.sessions} sessions in ${made.seconds.toFixed(1)} s`,
    );
  } else {
    console.log(`reusing ${path} (${(statSync(path).size / 1e6).toFixed(0)} MB)`);
  }
  try {
    const inProcess = await timed(() => inspectCapture(path));
    // The reader alone (in this process) and `reprise inspect` as users run it (a process of its
    // own, startup included), interleaved with tcpdump round after round so that all see the same
    // machine load; medians are reported.
    const tcpdump: ChildRun[] = [];
    const inspect: ChildRun[] = [];
    const readerRuns: number[] = [];
    let packets = 0;
    for (let round = 0; round < rounds; round++) {
      // -Z root: as root, tcpdump hands the file it writes to its own user, /dev/null included.
      const t = await runChild('tcpdump', ['-Z', 'root', '-r', path, '-w', '/dev/null']).catch(
        () => undefined,
      );
      if (t !== undefined) tcpdump.push(t);
      const read = await timed(() => forEachRecord(path, () => {}));
      readerRuns.push(read.seconds);
      packets = read.value.records;
      inspect.push(await reprise('inspect', path));
    }
    const reader = { seconds: median(readerRuns) };
    // `reprise --version` alone: the process start and bundle load that every CLI run pays.
    const baseline = await reprise('--version');
    console.log(
      `packets: ${packets}, TCP sessions: ${inProcess.value.tcp.sessions}, requests: ${inProcess.value.tcp.requests}`,
    );
    console.log(
      `reader alone            ${reader.seconds.toFixed(2)} s  ${rate(packets, reader.seconds)}  (median of ${rounds})`,
    );
    console.log(
      `inspect (in process)    ${inProcess.seconds.toFixed(2)} s  ${rate(packets, inProcess.seconds)}`,
    );
    const wall = median(inspect.map((r) => r.seconds));
    const cpu = median(inspect.map((r) => r.cpuSeconds));
    console.log(
      `reprise inspect (CLI)   ${wall.toFixed(2)} s  ${rate(packets, wall)}  cpu ${cpu.toFixed(2)} s  (median of ${rounds})`,
    );
    console.log(
      `reprise --version       ${baseline.seconds.toFixed(2)} s  (process start and bundle load, in the above)`,
    );
    if (tcpdump.length === 0) {
      console.log('tcpdump                 not available (apt-get install tcpdump): no ratios');
    } else {
      const tWall = median(tcpdump.map((r) => r.seconds));
      const tCpu = median(tcpdump.map((r) => r.cpuSeconds));
      console.log(
        `tcpdump -r -w           ${tWall.toFixed(2)} s  ${rate(packets, tWall)}  cpu ${tCpu.toFixed(2)} s`,
      );
      console.log(`ratio reader/tcpdump   ${(tWall / reader.seconds).toFixed(2)}x  (target >= 1.0x)`);
      const ratios = inspect.map((r, i) => (tcpdump[i] ?? tcpdump[0]).seconds / r.seconds);
      const cpuRatios = inspect.map((r, i) => (tcpdump[i] ?? tcpdump[0]).cpuSeconds / r.cpuSeconds);
      console.log(
        `ratio inspect/tcpdump  ${median(ratios).toFixed(2)}x wall, ${median(cpuRatios).toFixed(2)}x cpu  ` +
          `(target >= 0.5x; per round: ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
      );
    }
    const rss = Math.max(...inspect.map((r) => r.peakRssMb));
    console.log(
      `inspect peak RSS ${rss.toFixed(0)} MB  (target < 200 MB; \`reprise --version\` alone: ${baseline.peakRssMb.toFixed(0)} MB)`,
    );
  } finally {
    if (!options.keep) rmSync(path, { force: true });
  }
}

if (
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))
) {
  await runInspectBench({
    megabytes: numberFlag('--mb'),
    rounds: numberFlag('--rounds'),
    keep: process.argv.includes('--keep'),
  });
}
