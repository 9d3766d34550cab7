// Run by raw-sender-qdisc.test.ts inside a namespace: sends COUNT UDP packets of SIZE bytes from
// SRC to DST through RawSocketSender and prints its stats as JSON.
import { internetChecksum } from '../../src/packet/checksum.ts';
import { RawSocketSender } from '../../src/transport/raw-sender.ts';

const [src, dst, count, size] = process.argv.slice(2);
const octets = (ip: string) => ip.split('.').map(Number);
const packet = Buffer.alloc(Number(size));
packet[0] = 0x45;
packet.writeUInt16BE(packet.length, 2);
packet[8] = 64;
packet[9] = 17;
packet.set(octets(src), 12);
packet.set(octets(dst), 16);
packet.writeUInt16BE(internetChecksum(packet, 0, 20), 10);
packet.writeUInt16BE(40000, 20);
packet.writeUInt16BE(9, 22);
packet.writeUInt16BE(packet.length - 20, 24);

const sender = new RawSocketSender();
for (let i = 0; i < Number(count); i++) sender.send(packet, packet.length, dst);
await sender.close(30_000);
console.log(JSON.stringify(sender.stats));
