/**
 * Benchmark of the read side: generates a >= 250 MB pcap of small TCP packets (many short
 * sessions, interleaved), then times reprise's reader alone, the full inspect pipeline (reader +
 * decode + flows) and `tcpdump -r FILE -w /dev/null` on it, and measures the peak RSS of
 * `reprise inspect` run as a child process. Prints packets/s and ratios; never fails on timing.
 *
 *   node --import tsx bench/inspect.ts [--mb 250] [--keep]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPcapWriter, forEachRecord, LinkType } from '../src/capture/index.ts';
import { inspectCapture } from '../src/cli/inspect.ts';
import { TcpFlag, type TcpSegmentSpec, writeIpv4Tcp } from '../src/packet/index.ts';

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

function tcpdumpSeconds(path: string): number | undefined {
  const start = process.hrtime.bigint();
  const run = spawnSync('tcpdump', ['-r', path, '-w', '/dev/null'], { stdio: 'ignore' });
  if (run.error !== undefined || run.status !== 0) return undefined;
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Peak resident memory (VmHWM) of `reprise ...args` in its own process, in MB. */
function reprisePeakRssMb(...args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/reprise.js'), ...args], { stdio: 'ignore' });
    let peakKb = 0;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
        if (match) peakKb = Math.max(peakKb, Number(match[1]));
      } catch {
        // The process has exited between samples.
      }
    };
    const timer = setInterval(sample, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`reprise ${args.join(' ')} exited with ${code}`));
      else resolve(peakKb / 1024);
    });
  });
}

const rate = (packets: number, seconds: number) => `${(packets / seconds / 1e6).toFixed(2)} M packets/s`;

export async function runInspectBench(options: { megabytes?: number; keep?: boolean } = {}): Promise<void> {
  const megabytes = options.megabytes ?? 250;
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
    const tcpdump = tcpdumpSeconds(path);
    const reader = await timed(() => forEachRecord(path, () => {}));
    const packets = reader.value.records;
    const inspect = await timed(() => inspectCapture(path));
    const rss = await reprisePeakRssMb('inspect', path);
    const baselineRss = await reprisePeakRssMb('--version');
    console.log(
      `packets: ${packets}, TCP sessions: ${inspect.value.tcp.sessions}, requests: ${inspect.value.tcp.requests}`,
    );
    console.log(`reader alone     ${reader.seconds.toFixed(2)} s  ${rate(packets, reader.seconds)}`);
    console.log(`inspect (full)   ${inspect.seconds.toFixed(2)} s  ${rate(packets, inspect.seconds)}`);
    if (tcpdump === undefined) {
      console.log('tcpdump          not available (apt-get install tcpdump): no ratios');
    } else {
      console.log(`tcpdump -r -w    ${tcpdump.toFixed(2)} s  ${rate(packets, tcpdump)}`);
      console.log(`ratio reader/tcpdump   ${(tcpdump / reader.seconds).toFixed(2)}x  (target >= 1.0x)`);
      console.log(`ratio inspect/tcpdump  ${(tcpdump / inspect.seconds).toFixed(2)}x  (target >= 0.5x)`);
    }
    console.log(
      `inspect peak RSS ${rss.toFixed(0)} MB  (target < 200 MB; \`reprise --version\` alone: ${baselineRss.toFixed(0)} MB)`,
    );
  } finally {
    if (!options.keep) rmSync(path, { force: true });
  }
}

if (
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))
) {
  const mbFlag = process.argv.indexOf('--mb');
  await runInspectBench({
    megabytes: mbFlag > 0 ? Number(process.argv[mbFlag + 1]) : undefined,
    keep: process.argv.includes('--keep'),
  });
}
