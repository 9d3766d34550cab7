import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatMs,
  formatPercent,
  formatRate,
  formatSpeed,
  fractionOf,
  progressBar,
} from '../../src/tui/format.ts';
import { stepSpeed } from '../../src/tui/speed.ts';

test('durations read like a clock, unknown as a dash', () => {
  assert.equal(formatDuration(7_900), '0:07');
  assert.equal(formatDuration(754_000), '12:34');
  assert.equal(formatDuration(3_723_000), '1:02:03');
  assert.equal(formatDuration(undefined), '-');
  assert.equal(formatDuration(Number.NaN), '-');
});

test('latencies keep sub-millisecond precision; unknown is a dash, not zero', () => {
  assert.equal(formatMs(0.417), '0.417 ms');
  assert.equal(formatMs(8.4), '8.40 ms');
  assert.equal(formatMs(12.34), '12.3 ms');
  assert.equal(formatMs(250.4), '250 ms');
  assert.equal(formatMs(undefined), '-');
  assert.equal(formatMs(Number.NaN), '-');
});

test('counts, rates and sizes are short', () => {
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(1234), '1.23k');
  assert.equal(formatCount(34_500_000), '34.5M');
  assert.equal(formatRate(53), '53/s');
  assert.equal(formatRate(2.5), '2.5/s');
  assert.equal(formatRate(12_300), '12.3k/s');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(2 * 1024 ** 3), '2.0 GiB');
  assert.equal(formatBytes(undefined), '-');
});

test('progress is clamped to 0..100% and the bar has a fixed width', () => {
  assert.equal(formatPercent(fractionOf(42, 100)), '42.0%');
  assert.equal(formatPercent(fractionOf(5, 0)), '0.0%');
  assert.equal(formatPercent(1.7), '100.0%');
  for (const fraction of [0, 0.01, 0.5, 0.999, 1, 2, -1]) {
    assert.equal(progressBar(fraction, 20).length, 20);
  }
  assert.equal(progressBar(0.5, 10), '█████░░░░░');
});

test('speed steps double and halve within bounds; max has no steps', () => {
  assert.equal(formatSpeed(1), '1x');
  assert.equal(formatSpeed(0.125), '0.125x');
  assert.equal(formatSpeed(Number.POSITIVE_INFINITY), 'max');
  assert.equal(stepSpeed(1, 'faster'), 2);
  assert.equal(stepSpeed(1, 'slower'), 0.5);
  assert.equal(stepSpeed(1024, 'faster'), undefined);
  assert.equal(stepSpeed(1 / 64, 'slower'), undefined);
  assert.equal(stepSpeed(Number.POSITIVE_INFINITY, 'slower'), undefined);
});
