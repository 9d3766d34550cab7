import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { internetChecksum } from '../../src/packet/checksum.ts';
import { PacketRing } from '../../src/transport/raw-packet-ring.ts';
import { RawSocketSender } from '../../src/transport/raw-sender.ts';

describe('PacketRing', () => {
  it('hands packets out in order, copies them, and grows past its capacity', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('push', 'take', 'complete'), { maxLength: 300 }), (ops) => {
        const ring = new PacketRing(4);
        const scratch = Buffer.alloc(4);
        let pushed = 0;
        let taken = 0;
        let completed = 0;
        for (const op of ops) {
          if (op === 'push') {
            scratch.writeUInt32BE(pushed);
            ring.push(scratch, 4, '127.0.0.1');
            scratch.fill(0xff); // the ring must have copied it
            pushed++;
          } else if (op === 'take') {
            const slot = ring.takeNext();
            if (taken === pushed) assert.equal(slot, undefined);
            else {
              assert.equal(slot?.buf.readUInt32BE(0), taken);
              taken++;
            }
          } else if (completed < taken) {
            assert.equal(ring.completeOldest().buf.readUInt32BE(0), completed);
            completed++;
          }
          assert.equal(ring.size, pushed - completed);
          assert.equal(ring.inFlight, taken - completed);
          assert.equal(ring.waiting, pushed - taken);
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
