// Offers TCP packets at a fixed rate on a device, through libpcap (pcap_inject), for the record
// benchmark. Usage: node --import tsx record-blaster.ts <device> <dst mac> <src ip> <dst ip> <rate/s> <seconds>
// The destination MAC and IP address exist nowhere, so the receiving kernel drops the packets
// early and silently (no RST doubles the traffic, little CPU is spent); a capture on the
// receiving veth (libpcap opens it promiscuous) sees every one of them.
// Prints one JSON line: { sent, seconds }.
import { openPacketInjector } from '../src/capture/live-injector.ts';
import { offerPaced } from './pacing.ts';

const [device, dstMac, srcIp, dstIp, rateText, secondsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);

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
const offered = offerPaced({
  rate,
  seconds,
  send(index) {
    frame.writeUInt16BE(40000 + (index % 1000), tcp); // 1000 client ports
    frame.writeUInt32BE(index >>> 0, tcp + 4);
    injector.send(frame, frame.length);
  },
});
injector.close();
console.log(JSON.stringify(offered));
