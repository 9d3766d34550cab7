import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordingResult } from '../../src/record/recorder.ts';
import { formatRecordingSummary } from '../../src/record/summary.ts';

const base: RecordingResult = {
  stopReason: 'count',
  error: null,
  files: [{ path: 'a.pcap', packets: 10, bytes: 1234, deleted: false }],
  packets: 10,
  bytes: 1234,
  elapsedMs: 2500,
  linkType: 1,
  device: 'eth0',
  received: 10,
  dropped: 3,
  ifDropped: 0,
  unread: 0,
};

describe('formatRecordingSummary', () => {
  it('says why it stopped, what it wrote, and what libpcap dropped', () => {
    const lines = formatRecordingSummary(base);
    assert.equal(lines[0], 'stopped: packet count reached after 0:02');
    assert.match(lines[1], /^wrote 10 packets, .* in 1 file$/);
    assert.match(lines[2], /a\.pcap: 10 packets/);
    assert.match(lines[3], /10 packets received, 3 dropped, 0 dropped by the interface/);
    assert.equal(lines.length, 4);
  });

  it('says how many packets were left unread when the drain after a stop ran out of time', () => {
    const lines = formatRecordingSummary({ ...base, stopReason: 'interrupted', received: 90, unread: 80 });
    assert.match(lines[3], /90 packets received, 3 dropped/);
    assert.match(
      lines[4],
      /^unread: 80 packets still in the kernel's buffer when the drain after the stop ran out of time: not written/,
    );
  });

  it('says that libpcap counts a loopback packet twice, and that unread is a bound on any', () => {
    const lo = formatRecordingSummary({ ...base, device: 'lo', received: 20, dropped: 0 });
    assert.match(
      lo[3],
      /^libpcap: 20 packets received \(on lo each packet counts twice: as sent and as received\), 0 dropped/,
    );
    const any = formatRecordingSummary({ ...base, device: 'any', received: 20, unread: 4, ifDropped: null });
    assert.match(any[3], /20 packets received \(a loopback packet counts twice: as sent and as received\)/);
    assert.match(any[4], /^unread: up to 4 packets still in the kernel's buffer/);
  });

  it('counts ring deletions, lists only the files kept, and ends with the error', () => {
    const lines = formatRecordingSummary({
      ...base,
      stopReason: 'write-failed',
      error: 'cannot write b.pcap: no space left on the device',
      files: [
        { path: 'a.pcap', packets: 5, bytes: 600, deleted: true },
        { path: 'b.pcap', packets: 5, bytes: 600, deleted: false },
      ],
      dropped: 3,
      ifDropped: null,
    });
    assert.match(lines[1], /in 2 files \(1 oldest deleted by the ring, 1 kept\)/);
    assert.ok(!lines.some((l) => l.includes('a.pcap')));
    assert.match(lines.join('\n'), /3 dropped, interface drops unknown/);
    assert.match(
      lines.at(-1)!,
      /^error: cannot write b\.pcap: no space left on the device; the files hold every complete record/,
    );
  });
});
