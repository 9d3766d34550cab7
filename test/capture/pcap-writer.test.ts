import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CaptureError, createPcapWriter } from '../../src/capture/index.ts';
import { readBack, TempDir } from './build.ts';

const tmp = new TempDir();
after(() => tmp.remove());
const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

/** Ethernet + IPv4 + TCP-looking packets of assorted sizes and timestamps. */
function samplePackets(count: number): { tsSec: number; tsNsec: number; data: Buffer }[] {
  return Array.from({ length: count }, (_, i) => {
    const data = Buffer.alloc(54 + ((i * 37) % 1400), i & 0xff);
    data.writeUInt16BE(0x0800, 12);
    return { tsSec: 1700000000 + i, tsNsec: (i * 123456789) % 1e9, data };
  });
}

function tcpdumpTimes(path: string, nano: boolean): string[] {
  const args = [...(nano ? ['--time-stamp-precision=nano'] : []), '-nn', '-tt', '-r', path];
  const run = spawnSync('tcpdump', args, { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[0]);
}

describe('pcap writer', () => {
  for (const nano of [false, true]) {
    it(`writes ${nano ? 'nanosecond' : 'microsecond'} pcap that tcpdump reads back identically`, {
      skip: hasTcpdump ? false : 'tcpdump is not installed',
    }, async () => {
      const packets = samplePackets(500);
      const path = join(tmp.path, `out-${nano}.pcap`);
      const writer = createPcapWriter(path, {
        linkType: 1,
        snapLength: 65535,
        nanosecond: nano,
        bufferBytes: 4096,
      });
      for (const p of packets) writer.write(p.tsSec, p.tsNsec, p.data);
      await writer.close();
      assert.equal(writer.bytesWritten, statSync(path).size);
      assert.equal(writer.packetsWritten, 500);

      const copy = join(tmp.path, `copy-${nano}.pcap`);
      const precision = nano ? ['--time-stamp-precision=nano'] : [];
      const run = spawnSync('tcpdump', [...precision, '-r', path, '-w', copy]);
      assert.equal(run.status, 0, run.stderr.toString());
      const ours = await readBack(path);
      const theirs = await readBack(copy);
      assert.deepEqual(theirs.records, ours.records);
      assert.deepEqual(readFileSync(copy), readFileSync(path), 'libpcap rewrites the file byte for byte');

      const expected = packets.map((p) =>
        nano
          ? `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`
          : `${p.tsSec}.${String(Math.floor(p.tsNsec / 1000)).padStart(6, '0')}`,
      );
      assert.deepEqual(tcpdumpTimes(path, nano), expected);
      ours.records.forEach((r, i) => {
        assert.ok(r.data.equals(packets[i].data));
        assert.equal(r.tsNsec, nano ? packets[i].tsNsec : Math.floor(packets[i].tsNsec / 1000) * 1000);
      });
    });
  }

  it('cuts packets to the snap length and keeps their original length', async () => {
    const path = join(tmp.path, 'snap.pcap');
    const writer = createPcapWriter(path, { linkType: 101, snapLength: 64 });
    writer.write(1, 0, Buffer.alloc(100, 9));
    writer.write(2, 0, Buffer.alloc(10, 8), 1500);
    await writer.close();
    const { reader, records } = await readBack(path);
    assert.deepEqual(reader.interfaces[0], { linkType: 101, snapLength: 64, tsUnitsPerSecond: 1e6 });
    assert.deepEqual(
      records.map((r) => [r.data.length, r.originalLength]),
      [
        [64, 100],
        [10, 1500],
      ],
    );
  });

  it('flushes on demand, so a live recorder can bound what a crash loses', async () => {
    const path = join(tmp.path, 'flush.pcap');
    const writer = createPcapWriter(path, { linkType: 1 });
    writer.write(1, 0, Buffer.alloc(60));
    assert.equal(writer.bytesWritten, 24 + 16 + 60);
    assert.equal(statSync(path).size, 0, 'still buffered');
    await writer.flush();
    assert.equal(statSync(path).size, writer.bytesWritten);
    const { records } = await readBack(path);
    assert.equal(records.length, 1);
    writer.write(2, 0, Buffer.alloc(3_000_000, 1)); // larger than the buffer
    await writer.close();
    assert.equal(statSync(path).size, writer.bytesWritten);
    const again = await readBack(path);
    assert.deepEqual(
      again.records.map((r) => r.data.length),
      [60, 262144],
    );
  });

  it('writes to a stream', async () => {
    const path = join(tmp.path, 'stream.pcap');
    const writer = createPcapWriter(createWriteStream(path), {
      linkType: 1,
      nanosecond: true,
      bufferBytes: 100,
    });
    const packets = samplePackets(20);
    for (const p of packets) writer.write(p.tsSec, p.tsNsec, p.data);
    await writer.close();
    const { records } = await readBack(path);
    assert.deepEqual(
      records.map((r) => [r.tsSec, r.tsNsec, r.data.length]),
      packets.map((p) => [p.tsSec, p.tsNsec, p.data.length]),
    );
  });

  it('rejects bad arguments and unwritable paths', async () => {
    const writer = createPcapWriter(join(tmp.path, 'bad.pcap'), { linkType: 1 });
    assert.throws(() => writer.write(1, 1e9, Buffer.alloc(1)), RangeError);
    assert.throws(() => writer.write(1, 0, Buffer.alloc(10), 5), RangeError);
    await writer.close();
    assert.throws(() => writer.write(1, 0, Buffer.alloc(1)), /closed/);
    const missingDir = join(tmp.path, 'no/such/dir.pcap');
    assert.throws(
      () => createPcapWriter(missingDir, { linkType: 1 }),
      (error: unknown) =>
        error instanceof CaptureError && error.file === missingDir && /^cannot create/.test(error.problem),
    );
  });
});
