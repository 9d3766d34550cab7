/**
 * Runs inside a test's network namespace for test/e2e/live-capture.test.ts:
 *   capture <device> <filter> <count> <snapLength>: prints {"ready":true}, then one JSON line
 *     shortly after <count> packets arrived (or after 10 s): packets (lengths, timestamps) and stats.
 *   inject <device> <count> <frame hex>: sends the frame <count> times with pcap_inject.
 *   open <device>: tries to open a capture and prints the error's problem, if any.
 */
import { openLiveCapture, openPacketInjector } from '../../src/capture/live.ts';
import { LiveCaptureError } from '../../src/capture/live-error.ts';

const [mode, device, ...rest] = process.argv.slice(2);
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

if (mode === 'capture') {
  const [filter, countText, snapText] = rest;
  const count = Number(countText);
  const packets: { tsSec: number; tsNsec: number; capturedLength: number; originalLength: number }[] = [];
  const capture = openLiveCapture({ device, filter, snapLength: Number(snapText) }, (r) => {
    packets.push({
      tsSec: r.tsSec,
      tsNsec: r.tsNsec,
      capturedLength: r.capturedLength,
      originalLength: r.originalLength,
    });
    // libpcap's counters can trail the packets already delivered by a moment.
    if (packets.length === count) setTimeout(finish, 300);
  });
  const timer = setTimeout(finish, 10000);
  print({ ready: true, linkType: capture.linkType });
  function finish() {
    clearTimeout(timer);
    capture.close();
    print({ packets, stats: capture.stats() });
  }
} else if (mode === 'inject') {
  const [countText, hex] = rest;
  const injector = openPacketInjector(device);
  const frame = Buffer.from(hex, 'hex');
  for (let i = 0; i < Number(countText); i++) injector.send(frame, frame.length);
  injector.close();
  print({ sent: Number(countText), linkType: injector.linkType });
} else if (mode === 'open') {
  try {
    openLiveCapture({ device }, () => {}).close();
    print({ problem: null });
  } catch (err) {
    if (!(err instanceof LiveCaptureError)) throw err;
    print({ problem: err.problem, message: err.message });
  }
}
