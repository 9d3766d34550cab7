import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { speedFactor } from '../../src/cli/parse.ts';
import { UserError } from '../../src/util/user-error.ts';

describe('--speed', () => {
  it('takes a positive factor, or max in any case', () => {
    assert.equal(speedFactor('--speed', '2.5'), 2.5);
    for (const max of ['max', 'MAX', 'Max'])
      assert.equal(speedFactor('--speed', max), Number.POSITIVE_INFINITY);
  });

  it('refuses anything else, naming the flag and the value', () => {
    for (const bad of ['0', '-1', 'fast', '']) {
      assert.throws(
        () => speedFactor('--speed', bad),
        (err: unknown) => err instanceof UserError && err.message.startsWith(`--speed: '${bad}'`),
      );
    }
  });
});
