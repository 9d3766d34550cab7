import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IdleCutter } from '../../src/replay/idle-cutter.ts';
import { matchTransfer, parseTransfers } from '../../src/replay/transfer.ts';
import { TransferTally } from '../../src/replay/transfer-tally.ts';
import { MinHeap } from '../../src/util/min-heap.ts';
import { UserError } from '../../src/util/user-error.ts';

describe('transfer map (-x)', () => {
  it("reads tcpcopy's syntax: several maps, source address optional, IPv6 in brackets", () => {
    assert.deepEqual(parseTransfers('80-10.77.0.2:8080,10.0.0.5:443-127.0.0.1:8443,[::1]:6379-[::1]:6380'), [
      { sourcePort: 80, target: { ip: '10.77.0.2', port: 8080 } },
      { sourceIp: '10.0.0.5', sourcePort: 443, target: { ip: '127.0.0.1', port: 8443 } },
      { sourceIp: '::1', sourcePort: 6379, target: { ip: '::1', port: 6380 } },
    ]);
  });

  it('refuses bad maps with a message naming the flag and the part', () => {
    for (const [text, message] of [
      ['80', /expected \[srcIP:\]srcPort-dstIP:dstPort/],
      ['80-8080', /needs an address/],
      ['x-10.0.0.1:80', /'x' is not a port/],
      ['80-10.0.0.300:80', /'10.0.0.300' is not an IP address/],
      ['', /empty transfer map/],
    ] as const) {
      assert.throws(
        () => parseTransfers(text, '-x'),
        (e: unknown) => e instanceof UserError && message.test(e.message),
      );
    }
  });

  it('selects by server port, and by server address when the map names one', () => {
    const maps = parseTransfers('10.0.0.5:80-127.0.0.1:1,80-127.0.0.1:2');
    assert.equal(matchTransfer(maps, { ip: '10.0.0.5', port: 80 })?.target.port, 1);
    assert.equal(matchTransfer(maps, { ip: '10.0.0.6', port: 80 })?.target.port, 2);
    assert.equal(matchTransfer(maps, { ip: '10.0.0.6', port: 81 }), undefined);
  });
});

describe('idle cutter (--max-idle)', () => {
  /** Observes `times` in order, then maps `asked` (default: the same times). */
  const cut = (limit: number, times: number[], asked = times) => {
    const cutter = new IdleCutter(limit);
    for (const t of times) cutter.observe(t);
    return asked.map((t) => cutter.map(t));
  };
  const anyTimes = fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1 });
  const anyLimit = fc.integer({ min: 1, max: 500 });

  it('shortens silences longer than the limit to the limit, and nothing else', () => {
    assert.deepEqual(cut(100, [0, 50, 120, 1120, 1150, 5150]), [0, 50, 120, 220, 250, 350]);
  });

  it('keeps a time that steps back into a cut stretch next to its neighbours', () => {
    // 50_990 comes after 51_000 in the file, back inside the idle stretch 50..51_000 (cut to 100),
    // as when capture queues or merged files disagree a little: it stays 10 µs before 51_000.
    const times = [0, 50, 51_000, 50_990, 51_050, 200_000];
    assert.deepEqual(cut(100, times), [0, 50, 150, 140, 200, 300]);
    assert.deepEqual(cut(100, times, [20_000]), [50], 'further back than the stretch was long: its start');
  });

  it('a packet stamped far ahead of the next one (a clock glitch) cuts nothing: the rest keeps its pace', () => {
    // 1_000_000 comes between 300 and 400: the packets after it stay 100 µs apart, not all at 300.
    assert.deepEqual(
      cut(100, [0, 100, 200, 300, 1_000_000, 400, 500, 600]),
      [0, 100, 200, 300, 1_000_000, 400, 500, 600],
    );
    // A glitch as the first packet: the silences after it are still cut.
    assert.deepEqual(cut(100, [1_000_000, 0, 100, 5100, 5200], [0, 100, 5100, 5200]), [0, 100, 200, 300]);
    // Then a real silence is still cut (the glitch's own time is not asked: only it may move).
    const times = [0, 100, 1_000_000, 200, 5200, 5300];
    assert.deepEqual(cut(100, times, [0, 100, 200, 5200, 5300]), [0, 100, 200, 300, 400]);
  });

  it('maps times observed in any order monotonically, never later than they were (property)', () => {
    fc.assert(
      fc.property(anyTimes, anyLimit, (times, limit) => {
        const sorted = [...times].sort((a, b) => a - b);
        const mapped = cut(limit, times, sorted);
        for (let i = 0; i < mapped.length; i++) {
          assert.ok(mapped[i] <= sorted[i]);
          if (i > 0) assert.ok(mapped[i] >= mapped[i - 1]);
        }
      }),
    );
  });

  it('maps a time the same way right after observing it as at the end, but for a glitch (property)', () => {
    fc.assert(
      fc.property(anyTimes, anyLimit, (times, limit) => {
        const cutter = new IdleCutter(limit);
        const atOnce = times.map((time) => {
          cutter.observe(time);
          return cutter.map(time);
        });
        const atEnd = cut(limit, times);
        // A glitch: a packet the next one steps back more than the limit behind.
        const glitch = (i: number) => i + 1 < times.length && times[i + 1] < times[i] - limit;
        times.forEach((_, i) => {
          if (!glitch(i)) assert.equal(atEnd[i], atOnce[i], `time ${i}`);
        });
      }),
    );
  });

  it('keeps the order of any times it maps (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 2 }),
        anyLimit,
        (gaps, limit) => {
          let t = 0;
          const times = gaps.map((g) => (t += g));
          const mapped = cut(limit, times);
          for (let i = 1; i < mapped.length; i++) {
            assert.ok(mapped[i] >= mapped[i - 1]);
            assert.ok(mapped[i] - mapped[i - 1] <= Math.max(limit, 0) || times[i] - times[i - 1] <= limit);
          }
        },
      ),
    );
  });
});

describe('transfer tally (-x that selects nothing)', () => {
  it('captures without a TCP session: says so, naming them', () => {
    const tally = new TransferTally(parseTransfers('80-10.0.0.9:8080'));
    assert.ok(tally.selectedNone);
    assert.equal(
      tally.nothingSelected(['udp-only.pcap']),
      'udp-only.pcap holds no TCP session: nothing to replay (`reprise inspect` shows what a capture holds)',
    );
    assert.match(tally.nothingSelected(['a.pcap', 'b.pcap']), /^a\.pcap, b\.pcap hold no TCP session/);
  });

  it('names the busiest server ports of the sessions left out, five at most', () => {
    const transfers = parseTransfers('80-10.0.0.9:8080,[::1]:443-[::1]:8443');
    const tally = new TransferTally(transfers);
    const ports = [21, 22, 22, 25, 110, 143, 143, 143, 993];
    for (const port of ports) tally.count(undefined, { ip: '10.0.0.1', port });
    assert.ok(tally.selectedNone);
    assert.equal(
      tally.nothingSelected(['a.pcap']),
      "-x 80-10.0.0.9:8080,[::1]:443-[::1]:8443 selected none of the capture's 9 TCP sessions; " +
        'server ports of the sessions left out: 143 (3 sessions), 22 (2 sessions), 21 (1 session), ' +
        '25 (1 session), 110 (1 session) and 1 more',
    );
    assert.deepEqual(tally.unusedEntries(), [], 'nothing selected: one error, not a warning per entry');
    tally.count(transfers[0], { ip: '10.0.0.1', port: 80 });
    assert.ok(!tally.selectedNone);
    assert.deepEqual(tally.unusedEntries(), [
      "-x '[::1]:443-[::1]:8443' selected no captured session; server ports of the sessions left out: " +
        '143 (3 sessions), 22 (2 sessions), 21 (1 session), 25 (1 session), 110 (1 session) and 1 more',
    ]);
  });
});

describe('min-heap', () => {
  it('pops in key order, ties in insertion order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 })), (keys) => {
        const heap = new MinHeap<number>();
        for (const [i, k] of keys.entries()) heap.push(k, i);
        const out: number[] = [];
        for (let i = heap.pop(); i !== undefined; i = heap.pop()) out.push(i);
        const expected = keys
          .map((k, i) => [k, i])
          .sort((a, b) => a[0] - b[0] || a[1] - b[1])
          .map(([, i]) => i);
        assert.deepEqual(out, expected);
      }),
    );
  });
});
