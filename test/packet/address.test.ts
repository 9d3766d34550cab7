import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { endpointText, formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../src/packet/index.ts';

describe('addresses', () => {
  it('formats and parses IPv4', () => {
    assert.equal(formatIpv4(0x0a000001), '10.0.0.1');
    assert.equal(formatIpv4(0xffffffff), '255.255.255.255');
    assert.equal(parseIpv4('192.168.7.9'), 0xc0a80709);
    assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  });

  it('rejects bad IPv4 text with a clear reason', () => {
    assert.throws(() => parseIpv4('10.0.0'), /invalid IPv4 address "10.0.0": expected four/);
    assert.throws(() => parseIpv4('10.0.0.256'), /256 is above 255/);
    assert.throws(() => parseIpv4('10.0.0.01'), /"01" is not a number/);
    assert.throws(() => parseIpv4('10.0.0.x'), /"x" is not a number/);
  });

  it('formats IPv6 as RFC 5952 says', () => {
    const cases: Array<[string, string]> = [
      ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['fe80:0:0:0:0:0:0:0', 'fe80::'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
      ['2001:DB8::ABCD', '2001:db8::abcd'],
    ];
    for (const [input, expected] of cases) assert.equal(formatIpv6(parseIpv6(input)), expected, input);
  });

  it('round-trips any IPv6 address through text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        assert.deepEqual(parseIpv6(formatIpv6(bytes)), bytes);
      }),
    );
  });

  it('rejects bad IPv6 text with a clear reason', () => {
    assert.throws(() => parseIpv6('1::2::3'), /"::" appears more than once/);
    assert.throws(() => parseIpv6('1:2:3'), /expected eight groups/);
    assert.throws(() => parseIpv6('1:2:3:4:5:6:7::8'), /too many groups/);
    assert.throws(() => parseIpv6('12345::'), /"12345" is not a group/);
    assert.throws(() => parseIpv6('fe80::1%eth0'), /is not a group/);
  });

  it('writes endpoints', () => {
    assert.equal(endpointText(0x0a000001, 80), '10.0.0.1:80');
    assert.equal(endpointText(parseIpv6('::1'), 80), '[::1]:80');
  });
});
