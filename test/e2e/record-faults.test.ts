import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type HttpHosts,
  httpRequests,
  REPRISE,
  ROOT,
  startHttpHosts,
  tcpdumpRead,
} from '../helpers/capture-hosts.ts';
import { finished, skipWithoutNetns, waitForOutput } from '../helpers/netns.ts';

const skip = skipWithoutNetns('reprise record fault tests');

describe('reprise record: bad input and faults', { skip }, () => {
  let hosts: HttpHosts;
  before(async () => {
    hosts = await startHttpHosts('rflt', [8080]);
  });
  after(() => hosts?.close());

  function record(args: string[], asUser?: number, cwd = ROOT) {
    const command =
      asUser === undefined ? [] : ['setpriv', `--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups'];
    const run = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        hosts.server,
        ...command,
        process.execPath,
        REPRISE,
        'record',
        '--no-tui',
        '-c',
        '1',
        ...args,
      ],
      { cwd, encoding: 'utf8', timeout: 60000 },
    );
    return { code: run.status, stderr: run.stderr };
  }

  it('lists the available devices when the device does not exist', () => {
    const run = record(['-i', 'nosuch0', '-w', join(hosts.dir, 'x.pcap')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no capture device 'nosuch0'; available: .*\blo\b/);
    assert.ok(run.stderr.includes(hosts.serverDevice), run.stderr);
    assert.ok(!existsSync(join(hosts.dir, 'x.pcap')), 'no file is left behind');
  });

  it("names the filter and gives libpcap's message when the filter is bad", () => {
    const out = join(hosts.dir, 'bad-filter.pcap');
    const run = record(['-i', hosts.serverDevice, '-w', out, 'tcp', 'port', 'eighty']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /bad filter 'tcp port eighty': .*eighty/);
    assert.ok(!existsSync(out), 'no file is left behind');
  });

  it('says that root or CAP_NET_RAW is needed', () => {
    const run = record(['-i', hosts.serverDevice, '-w', join(hosts.dir, 'nobody.pcap')], 65534);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /needs root or the CAP_NET_RAW capability/);
  });

  it('rejects flags that do not fit together, naming them', () => {
    const ring = record(['-i', hosts.serverDevice, '-W', '3', '-w', join(hosts.dir, 'r.pcap')]);
    assert.equal(ring.code, 2);
    assert.match(ring.stderr, /-W .* needs -C/);
    const both = record(['-i', hosts.serverDevice, '-f', 'tcp', 'port', '80']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either with -f or as trailing arguments/);
    const count = record(['-i', hosts.serverDevice, '-c', 'many']);
    assert.equal(count.code, 2);
    assert.match(count.stderr, /-c: '.*' is not a whole number/);
  });

  it('says when the output cannot be written', () => {
    const run = record(['-i', hosts.serverDevice, '-w', '/proc/reprise-nope/x.pcap']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /cannot write \/proc\/reprise-nope\/x\.pcap/);
  });

  it('says so, without a stack trace, when the default recordings directory cannot be made', () => {
    const cwd = join(hosts.dir, 'no-recordings-dir');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'recordings'), 'a file in the way');
    const run = record(['-i', hosts.serverDevice], undefined, cwd);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /cannot create the recordings directory .*no-recordings-dir\/recordings .*-w/);
    assert.doesNotMatch(run.stderr, /at .*\(/);
  });

  it('stops with a clear error when the disk fills, and keeps a valid file', async (t) => {
    const unshare = spawnSync('unshare', ['-m', '--propagation', 'private', 'true']);
    if (unshare.status !== 0) {
      t.skip(`cannot make a private mount namespace for a tiny tmpfs: ${unshare.stderr}`);
      return;
    }
    const mountPoint = join(hosts.dir, 'tiny');
    const kept = join(hosts.dir, 'kept');
    mkdirSync(mountPoint);
    mkdirSync(kept);
    // The tmpfs exists only in this private mount namespace; the file is copied out before it goes.
    const script = `
      mount -t tmpfs -o size=32k tmpfs "$1" || exit 99
      ip netns exec "$2" "$3" "$4" record --no-tui -G 30 -i "$5" -w "$1/full.pcap" tcp port 8080
      code=$?
      cp "$1/full.pcap" "$6/full.pcap"
      exit $code`;
    const child = spawn(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        script,
        'sh',
        mountPoint,
        hosts.server,
        process.execPath,
        REPRISE,
        hosts.serverDevice,
        kept,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    hosts.track(child);
    const done = finished(child);
    await waitForOutput(child, 'capturing on', 30000);
    let exited = false;
    void done.then(() => {
      exited = true;
    });
    for (let round = 0; round < 30 && !exited; round++) {
      httpRequests(hosts, 8080, 20);
      await new Promise((r) => setTimeout(r, 100));
    }
    const run = await done;
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /stopped: writing failed/);
    assert.match(run.stderr, /error: cannot write .*full\.pcap: no space left on the device/);
    const read = tcpdumpRead(join(kept, 'full.pcap'));
    assert.doesNotMatch(read.stderr, /truncated/);
    const reported = Number(/wrote (\d+) packets/.exec(run.stderr)?.[1]);
    assert.ok(read.lines.length > 100, `only ${read.lines.length} packets kept`);
    assert.equal(read.lines.length, reported, 'the summary counts the packets the file holds');
  });
});
