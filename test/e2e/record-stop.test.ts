import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type HttpHosts,
  httpRequests,
  REPRISE,
  ROOT,
  startHttpHosts,
  startRecorder,
  startTcpdump,
  tcpdumpRead,
} from '../helpers/capture-hosts.ts';
import {
  finished,
  type HostWithDevice,
  hostWithDevice,
  skipWithoutNetns,
  waitForOutput,
} from '../helpers/netns.ts';

const skip = skipWithoutNetns('reprise record stop tests');

const REQUESTS = 20;

describe('reprise record: stopping right after the traffic', { skip }, () => {
  let hosts: HttpHosts;
  before(async () => {
    hosts = await startHttpHosts('rstop', [8080]);
  });
  after(() => hosts?.close());

  /** Records REQUESTS requests, sends `signal` the moment the last one is answered; tcpdump is the witness. */
  async function recordThenSignal(signal: NodeJS.Signals) {
    const ours = join(hosts.dir, `${signal}.pcap`);
    const theirs = join(hosts.dir, `${signal}-tcpdump.pcap`);
    const tcpdump = await startTcpdump(hosts, ['-i', hosts.serverDevice, '-w', theirs, 'tcp port 8080']);
    const tcpdumpDone = finished(tcpdump);
    const recorder = await startRecorder(hosts, ours, ['tcp', 'port', '8080']);
    const done = finished(recorder);
    httpRequests(hosts, 8080, REQUESTS);
    recorder.kill(signal);
    const run = await done;
    tcpdump.kill('SIGINT');
    await tcpdumpDone;
    return { run, written: tcpdumpRead(ours).lines.length, expected: tcpdumpRead(theirs).lines.length };
  }

  for (const [signal, reason] of [
    ['SIGINT', /stopped: interrupted/],
    ['SIGTERM', /stopped: terminated \(SIGTERM\)/],
  ] as const) {
    it(`writes every packet captured before ${signal}, not only those libpcap had handed over`, async () => {
      const { run, written, expected } = await recordThenSignal(signal);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, reason);
      assert.ok(expected >= REQUESTS * 8, `tcpdump saw only ${expected} packets`);
      assert.equal(written, expected, run.stderr);
      assert.match(run.stderr, new RegExp(`wrote ${expected} packets`));
    });
  }

  it('closes its files on SIGHUP (the terminal went away), then dies of it as a hung-up process does', async () => {
    const { run, written, expected } = await recordThenSignal('SIGHUP');
    assert.equal(run.signal, 'SIGHUP', run.stderr);
    assert.match(run.stderr, /stopped: hung up \(SIGHUP\)/);
    assert.equal(written, expected, run.stderr);
  });

  it('records into /dev/null or a FIFO, and exits 0 without reading them back', async () => {
    const fifo = join(hosts.dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const reader = hosts.track(spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] }));
    const read = finished(reader);
    for (const output of ['/dev/null', fifo]) {
      const recorder = await startRecorder(hosts, output, ['-c', '5', 'port 8080']);
      const done = finished(recorder);
      httpRequests(hosts, 8080, 2);
      const run = await Promise.race([
        done,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${output}: no exit`)), 15000)),
      ]).finally(() => recorder.kill('SIGKILL'));
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /wrote 5 packets/);
    }
    assert.ok((await read).stdout.length > 24, 'the FIFO got the records');
  });

  it('keeps recording for a -G longer than a timer can wait (30 days)', async () => {
    const recorder = await startRecorder(hosts, join(hosts.dir, 'month.pcap'), [
      '-G',
      '2592000',
      'port 8080',
    ]);
    const done = finished(recorder);
    await new Promise((r) => setTimeout(r, 1500));
    recorder.kill('SIGINT');
    const run = await done;
    assert.match(run.stderr, /stopped: interrupted/);
    assert.doesNotMatch(run.stderr, /TimeoutOverflowWarning/);
  });

  it('stops with a clear error, not a stack trace, when the reader of -w - goes away', async () => {
    const recorder = hosts.spawn(
      hosts.server,
      process.execPath,
      [REPRISE, 'record', '--no-tui', '-i', hosts.serverDevice, '-w', '-', 'tcp', 'port', '8080'],
      ROOT,
    );
    const done = finished(recorder);
    await waitForOutput(recorder, /capturing on|reprise: /, 30000);
    recorder.stdout?.destroy(); // like `reprise record -w - | head -c 100`
    httpRequests(hosts, 8080, REQUESTS);
    const run = await done;
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /stopped: writing failed/);
    assert.match(run.stderr, /error: cannot write to stdout: the reading end of the pipe was closed/);
    assert.doesNotMatch(run.stderr, /Unhandled 'error' event|at .*\(node:/);
  });
});

describe('reprise record: the device goes away while recording', { skip }, () => {
  let host: HostWithDevice;
  before(() => {
    host = hostWithDevice('rgone', 'gone0');
  });
  after(() => host?.close());

  it('stops with an error naming the device and exit code 1, not a crash, and keeps a valid file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rp-rgone-'));
    try {
      const file = join(dir, 'gone.pcap');
      const recorder = host.spawn(
        host.ns,
        process.execPath,
        [REPRISE, 'record', '--no-tui', '-i', 'gone0', '-w', file],
        ROOT,
      );
      const done = finished(recorder);
      await waitForOutput(recorder, /capturing on|reprise: /, 30000);
      host.run(host.ns, 'ip', ['link', 'del', 'gone0']);
      const run = await done;
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /stopped: the capture failed/);
      assert.match(run.stderr, /error: capture on 'gone0' failed/);
      assert.doesNotMatch(run.stderr, /at .*\(/);
      tcpdumpRead(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
