import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESPONSE_QUIET, responseQuietUs } from '../../src/replay/response-quiet.ts';

test('a response is over after the captured RTT scaled by the speed', () => {
  assert.equal(responseQuietUs(40_000, 1), 40_000);
  assert.equal(responseQuietUs(40_000, 2), 20_000);
  assert.equal(responseQuietUs(40_000, 0.5), 80_000);
});

test('without a captured RTT the default one is scaled', () => {
  assert.equal(responseQuietUs(undefined, 1), RESPONSE_QUIET.defaultRttUs);
  assert.equal(responseQuietUs(0, 2), RESPONSE_QUIET.defaultRttUs / 2);
});

test('loopback RTTs and --speed max wait the floor; a slow handshake waits at most the cap', () => {
  assert.equal(responseQuietUs(50, 1), RESPONSE_QUIET.minUs);
  assert.equal(responseQuietUs(40_000, Number.POSITIVE_INFINITY), RESPONSE_QUIET.minUs);
  assert.equal(responseQuietUs(3_000_000, 1), RESPONSE_QUIET.maxUs);
  assert.equal(responseQuietUs(3_000_000, 0.1, { defaultRttUs: 1, minUs: 1, maxUs: 60_000_000 }), 30_000_000);
});
