import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordingResult } from '../../src/record/recorder.ts';
import { type HttpHosts, ROOT, startHttpHosts, startRecorder } from '../helpers/capture-hosts.ts';
import { finished, skipWithoutNetns, waitForOutput } from '../helpers/netns.ts';

const skip = skipWithoutNetns('reprise record drain tests');

const BLASTER = join(ROOT, 'bench/record-blaster.ts');
/** Enough packets that reading them back takes the recorder well over the old 200 ms drain. */
const RATE = 100_000;
const SECONDS = 3;
/** Addresses that exist nowhere: the server host drops the flood silently, its capture sees it all. */
const NOWHERE_MAC = '02:00:00:00:00:99';

/** A flood packet: its timestamp (ms since the epoch) and its number (the blaster puts it in the TCP seq). */
interface FloodPacket {
  ms: number;
  index: number;
}

/** The packets of a capture file, as tcpdump reads them (it fails on an invalid file). */
function packetsIn(file: string): FloodPacket[] {
  const read = spawnSync('tcpdump', ['-r', file, '-nn', '-tt', '-S'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  assert.equal(read.status, 0, `tcpdump -r ${file}: ${read.stderr}`);
  const lines = read.stdout.split('\n').filter((line) => line !== '');
  return lines.map((line) => ({
    ms: Number(line.slice(0, line.indexOf(' '))) * 1000,
    index: Number(/ seq (\d+)/.exec(line)?.[1] ?? Number.NaN),
  }));
}

/** Freezes a process for `ms`, as a machine too busy to schedule it would. */
async function freeze(child: ChildProcess, ms: number): Promise<void> {
  child.kill('SIGSTOP');
  try {
    await sleep(ms);
  } finally {
    child.kill('SIGCONT');
  }
}

/**
 * The recorder falls behind the kernel ring for real: it is frozen (SIGSTOP) while a flood is
 * captured, and stops (signal, -G, -c) when it runs again, with the flood still in the kernel's
 * ring; frozen again while it reads that backlog, the old fixed 200 ms drain lost most of it.
 */
describe('reprise record: a stop while far behind the kernel ring', { skip }, () => {
  let hosts: HttpHosts;
  before(async () => {
    hosts = await startHttpHosts('rdrain', []);
  });
  after(() => hosts?.close());

  /** Floods the server host from the client host with packets to port 8080; returns how many were sent. */
  async function flood(rate: number, seconds: number): Promise<number> {
    const blaster = hosts.spawn(
      hosts.client,
      process.execPath,
      [
        '--import',
        'tsx',
        BLASTER,
        hosts.clientDevice,
        NOWHERE_MAC,
        hosts.clientIp,
        '10.80.0.99',
        String(rate),
        String(seconds),
      ],
      ROOT,
    );
    const run = await finished(blaster);
    assert.equal(run.code, 0, `${run.signal} ${run.stderr}`);
    return (JSON.parse(run.stdout) as { sent: number }).sent;
  }

  /** tcpdump on the server host, the witness of what the kernel captured; `stop` reads its file back. */
  async function startWitness(name: string): Promise<{ stop(): Promise<FloodPacket[]> }> {
    const file = join(hosts.dir, `${name}-tcpdump.pcap`);
    const args = ['-n', '-B', '262144', '-i', hosts.serverDevice, '-w', file, 'tcp port 8080'];
    const tcpdump = hosts.spawn(hosts.server, 'tcpdump', args);
    const done = finished(tcpdump);
    await waitForOutput(tcpdump, 'listening on', 10_000);
    return {
      async stop() {
        await sleep(1500); // its libpcap hands packets over up to a second late
        tcpdump.kill('SIGINT');
        const run = await done;
        assert.match(run.stderr, /\b0 packets dropped by kernel/, run.stderr);
        return packetsIn(file);
      },
    };
  }

  /**
   * Starts the recorder with `args`, freezes it, floods it with packets it cannot read, then lets
   * `resume` wake it (and stop it, or not); returns how many packets were sent and how it ended.
   */
  async function recordFrozenFlood(
    name: string,
    args: string[],
    resume: (recorder: ChildProcess) => Promise<void>,
  ) {
    const file = join(hosts.dir, `${name}.pcap`);
    const recorder = await startRecorder(hosts, file, [...args, 'tcp', 'port', '8080']);
    const done = finished(recorder);
    recorder.kill('SIGSTOP');
    let sent = 0;
    try {
      sent = await flood(RATE, SECONDS);
    } finally {
      await resume(recorder);
    }
    const run = await done;
    assert.equal(run.code, 0, `${run.signal} ${run.stderr}`);
    assert.match(
      run.stderr,
      /libpcap: \d+ packets received( \(on lo each packet counts twice: as sent and as received\))?, 0 dropped/,
      'the kernel kept every packet',
    );
    return { run, sent, written: packetsIn(file).length };
  }

  it('writes every packet captured before Ctrl-C, although it reads them long after (frozen once more)', async () => {
    const { run, sent, written } = await recordFrozenFlood('sigint', [], async (recorder) => {
      recorder.kill('SIGINT');
      const stopping = waitForOutput(recorder, 'stopping', 10_000);
      recorder.kill('SIGCONT');
      await stopping;
      await freeze(recorder, 500);
    });
    assert.match(run.stderr, /stopped: interrupted/);
    assert.equal(written, sent, run.stderr);
    assert.match(run.stderr, new RegExp(`wrote ${sent} packets`));
    assert.doesNotMatch(run.stderr, /unread/);
  });

  it('writes every packet captured before SIGTERM, also when it gets the CPU only now and then', async () => {
    const { run, sent, written } = await recordFrozenFlood('sigterm', [], async (recorder) => {
      recorder.kill('SIGTERM');
      recorder.kill('SIGCONT');
      // A machine too busy to give it more than 20 ms in every 320 ms while it reads the backlog.
      for (let i = 0; i < 5; i++) {
        await sleep(20);
        await freeze(recorder, 300);
      }
    });
    assert.match(run.stderr, /stopped: terminated \(SIGTERM\)/);
    assert.equal(written, sent, run.stderr);
  });

  it('ends a -G recording at its deadline, although it wakes up long after it', async () => {
    const witness = await startWitness('duration');
    const startedAfterMs = Date.now();
    const file = join(hosts.dir, 'duration.pcap');
    const recorder = await startRecorder(hosts, file, ['-G', '2', 'tcp', 'port', '8080']);
    const startedBeforeMs = Date.now();
    const done = finished(recorder);
    recorder.kill('SIGSTOP');
    let sent = 0;
    try {
      sent = await flood(RATE, SECONDS);
    } finally {
      recorder.kill('SIGCONT');
    }
    await sleep(20);
    await freeze(recorder, 500);
    const run = await done;
    const seen = await witness.stop();

    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /stopped: duration reached/);
    assert.equal(seen.length, sent, 'tcpdump saw the whole flood');
    const written = packetsIn(file);
    assert.ok(written.length > 0 && written.length < sent, `${written.length} of ${sent} written`);
    assert.ok(
      written.every((packet, i) => packet.index === i),
      'the file holds the flood from its start, without a hole',
    );
    const deadlineLatestMs = startedBeforeMs + 2000 + 1;
    assert.ok(
      written.every((packet) => packet.ms < deadlineLatestMs),
      'nothing after the deadline',
    );
    const firstLeftOut = seen[written.length];
    assert.ok(
      firstLeftOut.ms >= startedAfterMs + 2000,
      `a packet ${startedAfterMs + 2000 - firstLeftOut.ms} ms before the deadline was left out`,
    );
  });

  it('writes exactly -c packets out of a backlog, and says nothing is unread', async () => {
    const count = 100_000;
    const { run, sent, written } = await recordFrozenFlood(
      'count',
      ['-c', String(count)],
      async (recorder) => {
        recorder.kill('SIGCONT');
      },
    );
    assert.ok(sent > count, `only ${sent} sent`);
    assert.match(run.stderr, /stopped: packet count reached/);
    assert.equal(written, count, run.stderr);
    assert.doesNotMatch(run.stderr, /unread/);
  });

  it('ends the drain at the stop when the traffic goes on: every packet before it, none after', async () => {
    const file = join(hosts.dir, 'ongoing.pcap');
    const witness = await startWitness('ongoing');
    const recorder = await startRecorder(hosts, file, ['tcp', 'port', '8080']);
    const done = finished(recorder);
    recorder.kill('SIGSTOP');
    const flooding = flood(RATE, 4);
    await sleep(2000);
    recorder.kill('SIGINT');
    const resumedAtMs = Date.now();
    recorder.kill('SIGCONT');
    await sleep(20);
    await freeze(recorder, 500);
    let recorderEndedAtMs = 0;
    let floodEndedAtMs = 0;
    const [run, sent] = await Promise.all([
      done.finally(() => {
        recorderEndedAtMs = Date.now();
      }),
      flooding.finally(() => {
        floodEndedAtMs = Date.now();
      }),
    ]);
    const seen = await witness.stop();

    assert.equal(run.code, 0, run.stderr);
    assert.equal(seen.length, sent, 'tcpdump saw the whole flood');
    const written = packetsIn(file);
    assert.ok(
      written.every((packet, i) => packet.index === i),
      'the file holds the flood from its start, without a hole',
    );
    const beforeResume = seen.filter((packet) => packet.ms < resumedAtMs).length;
    assert.ok(
      written.length >= beforeResume,
      `${written.length} written, but tcpdump saw ${beforeResume} before the recorder could stop`,
    );
    assert.ok(written.length < sent, `all ${sent} written: the packets after the stop were not left out`);
    const lastWrittenMs = written.at(-1)?.ms ?? 0;
    assert.ok(
      seen.slice(written.length).every((packet) => packet.ms >= lastWrittenMs),
      'what was left out came after what was written',
    );
    assert.ok(
      recorderEndedAtMs < floodEndedAtMs,
      'the drain ended on a packet from after the stop, not on quiet',
    );
    assert.doesNotMatch(run.stderr, /unread/);
  });

  it('counts what it could not read within the drain limit as unread, and says so (test seam: drainLimitMs)', async () => {
    const file = join(hosts.dir, 'limit.pcap');
    // The recorder in-process, as the CLI runs it, but with a 1 ms drain limit (not a CLI flag).
    const script = `
      const { Recorder } = await import(${JSON.stringify(join(ROOT, 'src/record/recorder.ts'))});
      const { formatRecordingSummary } = await import(${JSON.stringify(join(ROOT, 'src/record/summary.ts'))});
      const recorder = Recorder.start({
        device: ${JSON.stringify(hosts.serverDevice)}, filter: 'tcp port 8080', output: ${JSON.stringify(file)},
        snapLength: 262144, nanosecond: false, drainLimitMs: 1,
      });
      process.on('SIGINT', () => recorder.stop('interrupted'));
      console.log('capturing');
      const result = await recorder.finished;
      console.log(JSON.stringify({ result, summary: formatRecordingSummary(result) }));`;
    const recorder = hosts.spawn(
      hosts.server,
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      ROOT,
    );
    const done = finished(recorder);
    await waitForOutput(recorder, 'capturing', 30_000);
    recorder.kill('SIGSTOP');
    let sent = 0;
    try {
      sent = await flood(RATE, SECONDS);
    } finally {
      recorder.kill('SIGINT');
      recorder.kill('SIGCONT');
    }
    const run = await done;
    assert.equal(run.code, 0, run.stderr);
    const { result, summary } = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as {
      result: RecordingResult;
      summary: string[];
    };
    assert.equal(result.dropped, 0, 'the kernel kept every packet');
    assert.ok(result.unread > 0, `nothing unread: ${summary.join('\n')}`);
    assert.equal(result.packets + result.unread, sent, 'every packet is written or counted unread');
    assert.equal(packetsIn(file).length, result.packets);
    assert.ok(
      summary.some((line) => line.startsWith(`unread: ${result.unread} packets`)),
      summary.join('\n'),
    );
  });
});
