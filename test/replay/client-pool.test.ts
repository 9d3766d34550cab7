import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatIpv4, parseIpv4 } from '../../src/packet/address.ts';
import { parseClientPool } from '../../src/replay/client-pool.ts';
import { MAX_COPIES, MAX_PORT_SHIFT, rewriteClient, shiftedPort } from '../../src/replay/port-shift.ts';
import { UserError } from '../../src/util/user-error.ts';

const addresses = (text: string) => {
  const pool = parseClientPool(text, '-c');
  return Array.from({ length: pool.size }, (_, i) => formatIpv4(pool.address(i)));
};

describe('client pool (-c)', () => {
  it("reads tcpcopy's 10.78.0.x as .1 to .254", () => {
    const all = addresses('10.78.0.x');
    assert.equal(all.length, 254);
    assert.equal(all[0], '10.78.0.1');
    assert.equal(all[253], '10.78.0.254');
  });

  it('reads a CIDR as its usable hosts, a range inclusively, and mixed lists in order', () => {
    assert.deepEqual(addresses('10.78.0.0/30'), ['10.78.0.1', '10.78.0.2']);
    assert.deepEqual(addresses('10.78.0.9/32'), ['10.78.0.9']);
    assert.equal(parseClientPool('10.78.0.0/24').size, 254);
    assert.deepEqual(addresses('10.78.0.10-10.78.0.12, 10.79.0.1'), [
      '10.78.0.10',
      '10.78.0.11',
      '10.78.0.12',
      '10.79.0.1',
    ]);
    assert.deepEqual(addresses('10.78.0.255-10.78.1.1'), ['10.78.0.255', '10.78.1.0', '10.78.1.1']);
  });

  it('names the flag and the bad part', () => {
    const cases: Array<[string, RegExp]> = [
      ['10.78.0.0/24,10.78.0.300', /-c: '10\.78\.0\.300' is not an IPv4 address/],
      ['10.78.0.1/24', /-c: '10\.78\.0\.1\/24' has host bits set/],
      ['10.78.0.0/40', /-c: '10\.78\.0\.0\/40' has prefix length '40'/],
      ['10.78.0.9-10.78.0.1', /-c: '10\.78\.0\.9-10\.78\.0\.1' is a range that ends before it starts/],
      ['hostname', /-c: 'hostname' is not an IPv4 address/],
      [' , ', /-c: ' , ' names no address/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseClientPool(text, '-c'),
        (err: unknown) => err instanceof UserError && message.test(err.message),
        text,
      );
    }
  });
});

describe('client rewrite (pool, -n, -f)', () => {
  const seed = fc.integer({ min: 0, max: 2 ** 32 - 1 });
  const port = fc.integer({ min: 1, max: 65535 });

  it('keeps the captured port for copy 0 with no port shift', () => {
    fc.assert(
      fc.property(seed, fc.integer({ min: 1024, max: 65535 }), (s, p) => shiftedPort(s, 0, p, 0) === p),
    );
  });

  it('gives every copy of a captured client a distinct port in 1024-65535, the same on every run', () => {
    fc.assert(
      fc.property(seed, port, fc.integer({ min: 0, max: MAX_PORT_SHIFT }), (s, p, f) => {
        const ports = Array.from({ length: MAX_COPIES }, (_, k) => shiftedPort(s, f, p, k));
        assert.equal(new Set(ports).size, MAX_COPIES);
        for (const q of ports) assert.ok(q >= 1024 && q <= 65535, `port ${q}`);
        assert.deepEqual(
          ports,
          Array.from({ length: MAX_COPIES }, (_, k) => shiftedPort(s, f, p, k)),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('never gives two replayers with different -f the same port for the same captured client', () => {
    fc.assert(
      fc.property(
        seed,
        port,
        fc.integer({ min: 0, max: MAX_PORT_SHIFT }),
        fc.integer({ min: 0, max: MAX_PORT_SHIFT }),
        fc.integer({ min: 0, max: MAX_COPIES - 1 }),
        fc.integer({ min: 0, max: MAX_COPIES - 1 }),
        (s, p, f1, f2, k1, k2) => {
          fc.pre(f1 !== f2);
          return shiftedPort(s, f1, p, k1) !== shiftedPort(s, f2, p, k2);
        },
      ),
    );
  });

  it('maps a captured address stably into the pool, and copies to other pool addresses', () => {
    const pool = parseClientPool('10.78.0.0/24');
    fc.assert(
      fc.property(seed, fc.integer({ min: 0, max: 2 ** 32 - 1 }), port, (s, ip, p) => {
        const rewrite = { seed: s, pool, portShift: 0 };
        const first = rewriteClient(rewrite, ip, p, 0);
        assert.deepEqual(rewriteClient(rewrite, ip, p, 0), first);
        assert.ok(first.ip >= parseIpv4('10.78.0.1') && first.ip <= parseIpv4('10.78.0.254'));
        assert.notEqual(rewriteClient(rewrite, ip, p, 1).ip, first.ip);
      }),
    );
  });

  it('keeps the captured address without a pool, and different seeds pick different mappings', () => {
    const ip = parseIpv4('192.168.1.20');
    assert.equal(rewriteClient({ seed: 1, portShift: 0 }, ip, 40000, 3).ip, ip);
    const pool = parseClientPool('10.78.0.0/16');
    const mapped = new Set(
      Array.from({ length: 20 }, (_, s) => rewriteClient({ seed: s, pool, portShift: 0 }, ip, 40000, 1).port),
    );
    assert.ok(mapped.size > 15, `ports over 20 seeds: ${[...mapped]}`);
  });
});
