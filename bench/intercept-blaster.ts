// Offers synthetic target responses (10.77.0.2:8080 -> 10.78.0.x, see intercept-flows.ts) at a
// fixed rate on a device through libpcap (pcap_inject), for the intercept benchmark.
// Usage: node --import tsx intercept-blaster.ts <device> <rate/s> <seconds>
// The destination MAC exists nowhere, so the receiving kernel drops the packets early; a capture
// on the receiving veth (promiscuous) sees every one. Paced by sleeping between bursts due
// (at most 10 ms worth; a larger deficit is forgotten, and the real rate is reported), so the
// sender leaves the CPUs to the intercept instead of spinning.
// Prints one JSON line: { sent, seconds }.
import { openPacketInjector } from '../src/capture/live-injector.ts';
import { CLIENT_ADDRESSES, clientIpOf, sessionOf, TARGET_IP, TARGET_PORT } from './intercept-flows.ts';
import { offerPaced } from './pacing.ts';

const [device, rateText, secondsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);

const ETH = 14;
const IP = 20;
const TCP = 32; // with the timestamps option, as Linux sends
const PAYLOAD = 64;
const TCP_AT = ETH + IP;

/** One frame per client address (the IP checksum covers it); ports and sequence vary per packet. */
function responseFrame(clientIp: number): Buffer {
  const frame = Buffer.alloc(ETH + IP + TCP + PAYLOAD);
  Buffer.from([0x02, 0, 0, 0, 0, 0x99]).copy(frame, 0);
  Buffer.from([0x02, 0, 0, 0, 0, 0x01]).copy(frame, 6);
  frame.writeUInt16BE(0x0800, 12);
  frame[ETH] = 0x45;
  frame.writeUInt16BE(IP + TCP + PAYLOAD, ETH + 2);
  frame[ETH + 6] = 0x40; // DF
  frame[ETH + 8] = 64;
  frame[ETH + 9] = 6;
  frame.writeUInt32BE(TARGET_IP, ETH + 12);
  frame.writeUInt32BE(clientIp, ETH + 16);
  let sum = 0;
  for (let i = 0; i < IP; i += 2) sum += frame.readUInt16BE(ETH + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  frame.writeUInt16BE(~sum & 0xffff, ETH + 10);
  frame.writeUInt16BE(TARGET_PORT, TCP_AT);
  frame[TCP_AT + 12] = (TCP / 4) << 4;
  frame[TCP_AT + 13] = 0x18; // PSH ACK
  frame.writeUInt16BE(502, TCP_AT + 14);
  Buffer.from([1, 1, 8, 10]).copy(frame, TCP_AT + 20);
  return frame;
}

const frames = Array.from({ length: CLIENT_ADDRESSES }, (_, c) => responseFrame(clientIpOf(c)));
const injector = openPacketInjector(device);
const offered = offerPaced({
  rate,
  seconds,
  napMs: 0.2,
  send(index) {
    const { client, port } = sessionOf(index);
    const frame = frames[client];
    frame.writeUInt16BE(port, TCP_AT + 2);
    frame.writeUInt32BE(index >>> 0, TCP_AT + 4); // seq
    frame.writeUInt32BE(index >>> 0, TCP_AT + 24); // TSval
    injector.send(frame, frame.length);
  },
});
injector.close();
console.log(JSON.stringify(offered));
