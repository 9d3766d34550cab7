import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { LiveCaptureError, listDevices, openLiveCapture } from '../../src/capture/live.ts';
import type { CaptureRecord } from '../../src/capture/record.ts';
import { buildTwoHosts, finished, skipWithoutNetns, type TwoHosts, waitForOutput } from '../helpers/netns.ts';

const skip = skipWithoutNetns('live capture e2e');
const probe = new URL('./live-capture-probe.ts', import.meta.url).pathname;
const nodeArgs = ['--import', 'tsx', probe];

interface Captured {
  tsSec: number;
  tsNsec: number;
  capturedLength: number;
  originalLength: number;
}

const nanos = (p: { tsSec: number; tsNsec: number }) => BigInt(p.tsSec) * 1_000_000_000n + BigInt(p.tsNsec);
const wallNanos = () => BigInt(Date.now()) * 1_000_000n;

/** Sends `count` UDP datagrams of `size` bytes to 127.0.0.1:port, one after the other. */
async function sendLoopback(port: number, count: number, size: number): Promise<void> {
  const socket = createSocket('udp4');
  try {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) =>
        socket.send(Buffer.alloc(size, i), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
    }
  } finally {
    socket.close();
  }
}

function copyOf(r: CaptureRecord): Captured {
  return {
    tsSec: r.tsSec,
    tsNsec: r.tsNsec,
    capturedLength: r.capturedLength,
    originalLength: r.originalLength,
  };
}

const waitUntil = async (done: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

describe('live capture on loopback (libpcap addon)', { skip }, () => {
  const port = 40000 + (process.pid % 20000);

  it("hands over every packet with libpcap's timestamps and original lengths, cut to the snap length", async () => {
    const seen: Captured[] = [];
    const capture = openLiveCapture({ device: 'lo', filter: `udp dst port ${port}`, snapLength: 50 }, (r) =>
      seen.push(copyOf(r)),
    );
    try {
      const sentFrom = wallNanos() - 2_000_000n;
      await sendLoopback(port, 500, 300);
      await waitUntil(() => seen.length >= 500);
      const until = wallNanos() + 2_000_000n;
      assert.equal(seen.length, 500);
      assert.equal(capture.linkType, 1, 'lo is Ethernet-framed in libpcap');
      for (const [i, p] of seen.entries()) {
        assert.equal(p.capturedLength, 50);
        assert.equal(p.originalLength, 14 + 20 + 8 + 300, `packet ${i}`);
        assert.ok(p.tsNsec >= 0 && p.tsNsec < 1e9);
        assert.ok(
          nanos(p) >= sentFrom && nanos(p) <= until,
          `packet ${i} stamped ${nanos(p)} outside the send window`,
        );
        if (i > 0) assert.ok(nanos(p) >= nanos(seen[i - 1]), `packet ${i} stamped before packet ${i - 1}`);
      }
      // Nanosecond stamps: not all multiples of a microsecond.
      assert.ok(seen.some((p) => p.tsNsec % 1000 !== 0));
      const stats = capture.stats();
      assert.equal(stats.delivered, 500);
      // On lo, libpcap counts each packet going out and coming back in, and keeps only one.
      assert.ok(stats.received >= 500, `received ${stats.received}`);
      assert.equal(stats.dropped, 0);
    } finally {
      capture.close();
    }
  });

  it('runs no callback after close, even when closed from a callback, and closes twice safely', async () => {
    let calls = 0;
    const capture = openLiveCapture({ device: 'lo', filter: `udp dst port ${port + 1}` }, () => {
      calls++;
      if (calls === 3) capture.close();
    });
    await sendLoopback(port + 1, 50, 10);
    await waitUntil(() => false, 200);
    assert.equal(calls, 3);
    const stats = capture.stats();
    assert.equal(stats.delivered, 3);
    assert.ok(stats.received >= 50, 'the final pcap_stats stay readable after close');
    capture.close();
    assert.deepEqual(capture.stats(), stats);
  });

  it("rejects a bad filter with libpcap's message and the filter text", () => {
    assert.throws(
      () => openLiveCapture({ device: 'lo', filter: 'tcp port banana' }, () => {}),
      (err: unknown) =>
        err instanceof LiveCaptureError &&
        err.problem === 'bad-filter' &&
        err.message.includes("'tcp port banana'") &&
        /unknown port|banana/.test(err.message.replace("'tcp port banana'", '')),
    );
  });

  it('rejects an unknown device and lists the available ones', () => {
    assert.throws(
      () => openLiveCapture({ device: 'rp-nosuch0' }, () => {}),
      (err: unknown) =>
        err instanceof LiveCaptureError &&
        err.problem === 'unknown-device' &&
        /available: .*\blo\b/.test(err.message),
    );
  });

  it('lists devices with their addresses and flags', () => {
    const lo = listDevices().find((d) => d.name === 'lo');
    assert.ok(lo);
    assert.equal(lo.loopback, true);
    assert.equal(lo.up, true);
    assert.ok(lo.addresses.includes('127.0.0.1'));
  });
});

describe('live capture between two namespaces (libpcap addon)', { skip }, () => {
  let hosts: TwoHosts;
  before(() => {
    hosts = buildTwoHosts('live');
  });
  after(() => hosts?.close());

  async function captureIn(ns: string, device: string, filter: string, count: number, snap: number) {
    const child = hosts.spawn(ns, process.execPath, [
      ...nodeArgs,
      'capture',
      device,
      filter,
      String(count),
      String(snap),
    ]);
    const result = finished(child);
    await waitForOutput(child, '"ready":true', 30000);
    return async () => {
      const { stdout, stderr, code } = await result;
      assert.equal(code, 0, stderr);
      const lines = stdout.trim().split('\n');
      return JSON.parse(lines[lines.length - 1]) as {
        packets: Captured[];
        stats: { received: number; dropped: number; delivered: number };
      };
    };
  }

  it('captures every datagram a peer sends over a veth, with the counts libpcap keeps', async () => {
    const done = await captureIn(hosts.server, hosts.serverDevice, 'udp dst port 7777', 2000, 64);
    const sentFrom = wallNanos() - 2_000_000n;
    hosts.run(hosts.client, process.execPath, [
      '-e',
      `const s = require('dgram').createSocket('udp4');
       let i = 0;
       // Paced: a veth drops what exceeds the receiving side's backlog (1000 packets).
       const next = () => (i++ < 2000 ? s.send(Buffer.alloc(1000), 7777, '${hosts.serverIp}', () => (i % 100 ? next() : setTimeout(next, 2))) : s.close());
       next();`,
    ]);
    const { packets, stats } = await done();
    assert.equal(packets.length, 2000, JSON.stringify(stats));
    assert.ok(packets.every((p) => p.capturedLength === 64 && p.originalLength === 14 + 20 + 8 + 1000));
    assert.ok(nanos(packets[0]) >= sentFrom && nanos(packets[1999]) <= wallNanos());
    assert.equal(stats.delivered, 2000);
    assert.equal(stats.received, 2000);
    assert.equal(stats.dropped, 0);
  });

  it('sends frames with pcap_inject that the peer captures unchanged', async () => {
    const frame = Buffer.alloc(60);
    frame.fill(0xff, 0, 6);
    Buffer.from('020000000001', 'hex').copy(frame, 6);
    frame.writeUInt16BE(0x88b5, 12); // local experimental EtherType: no stack answers it
    frame.write('reprise inject', 14);
    const done = await captureIn(hosts.client, hosts.clientDevice, 'ether proto 0x88b5', 100, 262144);
    const out = hosts.run(hosts.server, process.execPath, [
      ...nodeArgs,
      'inject',
      hosts.serverDevice,
      '100',
      frame.toString('hex'),
    ]);
    assert.deepEqual(JSON.parse(out), { sent: 100, linkType: 1 });
    const { packets } = await done();
    assert.equal(packets.length, 100);
    assert.ok(packets.every((p) => p.capturedLength === 60 && p.originalLength === 60));
  });

  it('says the device is down when it is', () => {
    const down = `${hosts.serverDevice.slice(0, 12)}dn`;
    hosts.run(hosts.server, 'ip', ['link', 'add', down, 'type', 'veth', 'peer', 'name', `${down}p`]);
    const out = JSON.parse(hosts.run(hosts.server, process.execPath, [...nodeArgs, 'open', down])) as {
      problem: string;
      message: string;
    };
    assert.equal(out.problem, 'device-down');
    assert.match(out.message, new RegExp(`'${down}' is down`));
  });
});
