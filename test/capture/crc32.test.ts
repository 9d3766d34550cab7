import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from '../../src/capture/crc32.ts';

describe('crc32 (gzip trailers)', () => {
  it('gives the standard check value of "123456789"', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });

  it('continues across pieces as over the whole', () => {
    const whole = Buffer.from('the quick brown fox jumps over the lazy dog');
    assert.equal(crc32(whole.subarray(17), crc32(whole.subarray(0, 17))), crc32(whole));
    assert.equal(crc32(Buffer.alloc(0)), 0);
  });
});
