import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllowList } from '../../src/intercept/allow-list.ts';

describe('--allow', () => {
  it('takes /0, /32, IPv6 blocks, and matches IPv4 peers seen on a dual-stack socket', () => {
    const everyone = parseAllowList('0.0.0.0/0');
    assert.ok(everyone.allows('203.0.113.9'));
    assert.ok(everyone.allows('::ffff:127.0.0.1'));
    const one = parseAllowList('10.77.0.1/32, fd00::/8');
    assert.deepEqual(
      ['10.77.0.1', '10.77.0.2', '::ffff:10.77.0.1', 'fd00::5', '::1', 'garbage'].map((p) => one.allows(p)),
      [true, false, true, true, false, false],
    );
    assert.equal(one.text, '10.77.0.1/32,fd00::/8');
  });

  it('names the entry and what is wrong with it', () => {
    const problems: Array<[string, RegExp]> = [
      ['10.0.0.0/33', /"10\.0\.0\.0\/33" has a prefix length outside 0-32/],
      ['::1/129', /"::1\/129" has a prefix length outside 0-128/],
      ['10.0.0.0/ 8', /"10\.0\.0\.0\/ 8" has prefix length " 8", expected a whole number 0-32/],
      ['10.0.0.0/1.5', /has prefix length "1\.5", expected a whole number 0-32/],
      ['10.0.0.0/', /has prefix length "", expected a whole number 0-32/],
      ['127.1', /"127\.1" is not an IP address or CIDR block/],
      ['10.0.0.0/8/8', /is not an IP address or CIDR block/],
      [' , ', /lists no address or CIDR block/],
    ];
    for (const [text, message] of problems) assert.throws(() => parseAllowList(text), message, text);
  });
});
