// Offers TCP packets at a fixed rate on a device, through libpcap (pcap_inject), for the record
// benchmark. Usage: node --import tsx record-blaster.ts <device> <dst mac> <src ip> <dst ip> <rate/s> <seconds>
// The destination MAC and IP address exist nowhere, so the receiving kernel drops the packets
// early and silently (no RST doubles the traffic, little CPU is spent); a capture on the
// receiving veth (libpcap opens it promiscuous) sees every one of them.
// Prints one JSON line: { sent, seconds }.
import { openPacketInjector } from '../src/capture/live-injector.ts';

const [device, dstMac, srcIp, dstIp, rateText, secondsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const total = Math.round(rate * seconds);

const PAYLOAD = 64;
const frame = Buffer.alloc(14 + 20 + 20 + PAYLOAD);
Buffer.from(dstMac.split(':').map((h) => Number.parseInt(h, 16))).copy(frame, 0);
Buffer.from([0x02, 0, 0, 0, 0, 1]).copy(frame, 6);
frame.writeUInt16BE(0x0800, 12);
const ip = 14;
frame[ip] = 0x45;
frame.writeUInt16BE(20 + 20 + PAYLOAD, ip + 2);
frame[ip + 8] = 64;
frame[ip + 9] = 6;
Buffer.from(srcIp.split('.').map(Number)).copy(frame, ip + 12);
Buffer.from(dstIp.split('.').map(Number)).copy(frame, ip + 16);
let sum = 0;
for (let i = 0; i < 20; i += 2) sum += frame.readUInt16BE(ip + i);
while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
frame.writeUInt16BE(~sum & 0xffff, ip + 10);
const tcp = ip + 20;
frame.writeUInt16BE(8080, tcp + 2);
frame[tcp + 12] = 0x50;
frame[tcp + 13] = 0x18; // PSH ACK
frame.writeUInt16BE(65535, tcp + 14);

const injector = openPacketInjector(device);
// Paced in a busy loop. When the sender falls behind (it shares the CPUs with the capturer),
// the deficit is forgotten rather than sent as a burst: the offer stays smooth, and its real
// rate is reported.
const MAX_BURST = Math.max(1, Math.round(rate / 100)); // 10 ms worth
const start = process.hrtime.bigint();
let origin = start;
let sent = 0;
for (;;) {
  const now = process.hrtime.bigint();
  if (sent >= total || Number(now - start) / 1e9 > seconds * 1.5) break;
  let due = Math.ceil((rate * Number(now - origin)) / 1e9);
  if (due - sent > MAX_BURST) {
    origin = now - BigInt(Math.round((sent / rate) * 1e9));
    due = sent + 1;
  }
  due = Math.min(total, due);
  while (sent < due) {
    frame.writeUInt16BE(40000 + (sent % 1000), tcp); // 1000 client ports
    frame.writeUInt32BE(sent >>> 0, tcp + 4);
    injector.send(frame, frame.length);
    sent++;
  }
}
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
injector.close();
console.log(JSON.stringify({ sent, seconds: elapsed }));
