import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { internetChecksum } from '../../src/packet/checksum.ts';
import { PacketQueue } from '../../src/transport/raw-packet-queue.ts';
import { MIN_RING_BYTES, RawSocketSender } from '../../src/transport/raw-sender.ts';

describe('PacketQueue', () => {
  it('keeps packets in order, copies them, and grows past its capacity', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('push', 'drop'), { maxLength: 300 }), (ops) => {
        const queue = new PacketQueue(4);
        const scratch = Buffer.alloc(4);
        let pushed = 0;
        let dropped = 0;
        for (const op of ops) {
          if (op === 'push') {
            scratch.writeUInt32BE(pushed);
            queue.push(scratch, 4);
            scratch.fill(0xff); // the queue must have copied it
            pushed++;
          } else if (dropped < pushed) {
            assert.equal(queue.oldest()?.buf.readUInt32BE(0), dropped);
            queue.dropOldest();
            dropped++;
          } else {
            assert.equal(queue.oldest(), undefined);
            assert.throws(() => queue.dropOldest());
          }
          assert.equal(queue.size, pushed - dropped);
        }
      }),
    );
  });
});

const root = process.getuid?.() === 0;

describe('RawSocketSender (loopback)', { skip: root ? undefined : 'needs root for a raw socket' }, () => {
  it('delivers thousands of complete IPv4 packets in order, copied as they are handed over', async () => {
    const receiver = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    const port = receiver.address().port;
    const received: number[] = [];
    const COUNT = 3000;
    const all = new Promise<void>((resolve) => {
      receiver.on('message', (msg) => {
        received.push(msg.readUInt32BE(0));
        if (received.length === COUNT) resolve();
      });
    });
    const sender = new RawSocketSender();
    const packet = Buffer.alloc(32);
    for (let i = 0; i < COUNT; i++) {
      udpPacket(packet, port, i);
      sender.send(packet, packet.length, '127.0.0.1');
    }
    await Promise.race([all, new Promise((r) => setTimeout(r, 5000))]);
    await sender.close();
    receiver.close();
    assert.equal(sender.stats.sent, COUNT);
    assert.equal(sender.stats.failed, 0);
    assert.deepEqual(
      received,
      Array.from({ length: COUNT }, (_, i) => i),
    );
  });

  it('keeps order when the native ring is full: later packets wait behind the earlier ones', async () => {
    const receiver = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    const received: number[] = [];
    receiver.on('message', (msg) => received.push(msg.readUInt32BE(0)));
    const sender = new RawSocketSender(MIN_RING_BYTES); // the smallest ring: ~3,200 such packets
    const packet = Buffer.alloc(32);
    udpPacket(packet, receiver.address().port, 0);
    const COUNT = 100_000;
    for (let i = 0; i < COUNT; i++) {
      packet.writeUInt32BE(i, 28); // the payload: not covered by the IP checksum, no UDP checksum
      sender.send(packet, packet.length, '127.0.0.1');
    }
    await sender.close();
    await new Promise((r) => setTimeout(r, 200));
    receiver.close();
    assert.equal(sender.stats.sent, COUNT);
    assert.equal(sender.stats.failed, 0);
    assert.ok(sender.stats.queuedPeak > 0, 'some packets had to wait for room in the ring');
    // The receiver may drop some (its buffer), but never sees them out of order.
    assert.ok(received.length > 0);
    assert.ok(received.every((n, i) => i === 0 || n > received[i - 1]));
  });

  it('counts every packet it was handed: sent, or failed when close gives up on it', async () => {
    const sender = new RawSocketSender(MIN_RING_BYTES);
    const packet = Buffer.alloc(32);
    udpPacket(packet, 9, 0); // the discard port: nobody listens, the kernel drops them
    const COUNT = 50_000;
    for (let i = 0; i < COUNT; i++) sender.send(packet, packet.length, '127.0.0.1');
    await sender.close(0);
    const { sent, failed, errors } = sender.stats;
    assert.equal(sent + failed, COUNT);
    assert.ok(failed > 0, 'close(0) left packets unsent');
    assert.equal(errors['Operation canceled'], failed);
  });

  it('explains a missing privilege', { skip: process.platform !== 'linux' }, () => {
    const script = fileURLToPath(new URL('./raw-sender-unprivileged.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    assert.match(child.stdout + child.stderr, /raw sockets need root or CAP_NET_RAW \(EPERM\)/);
  });
});

/** IPv4 + UDP to 127.0.0.1:port carrying `n` (UDP checksum 0: none, allowed over IPv4). */
function udpPacket(out: Buffer, port: number, n: number): void {
  out.fill(0);
  out[0] = 0x45;
  out.writeUInt16BE(out.length, 2);
  out[8] = 64;
  out[9] = 17;
  out.writeUInt32BE(0x7f000001, 12);
  out.writeUInt32BE(0x7f000001, 16);
  out.writeUInt16BE(internetChecksum(out, 0, 20), 10);
  out.writeUInt16BE(40000, 20);
  out.writeUInt16BE(port, 22);
  out.writeUInt16BE(out.length - 20, 24);
  out.writeUInt32BE(n, 28);
}
