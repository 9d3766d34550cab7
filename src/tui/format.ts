/**
 * Short renderings of numbers for the live views and the plain progress lines: a dash for what
 * is not known yet, clocks rather than words for durations. Latencies and sizes read as in the
 * run report (../report/format.ts). Pure, never ANSI.
 */

import { formatBytes as formatReportBytes, formatMs as formatReportMs } from '../report/format.ts';

const UNKNOWN = '-';

function isKnown(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value);
}

/** A wall-clock duration: `0:07`, `12:34`, `1:02:03`. */
export function formatDuration(ms: number | undefined): string {
  if (!isKnown(ms) || ms < 0) return UNKNOWN;
  const totalSeconds = Math.floor(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const ss = String(seconds).padStart(2, '0');
  if (hours === 0) return `${minutes}:${ss}`;
  return `${hours}:${String(minutes).padStart(2, '0')}:${ss}`;
}

/** A latency or lag, as the run report writes it: `0.412 ms`, `12.3 ms`, `250 ms`. */
export function formatMs(ms: number | undefined): string {
  return isKnown(ms) ? formatReportMs(ms) : UNKNOWN;
}

/** A count with SI suffixes: `999`, `1.2k`, `34.5M`. */
export function formatCount(n: number | undefined): string {
  if (!isKnown(n)) return UNKNOWN;
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n));
  for (const [limit, suffix] of [
    [1e6, 'k'],
    [1e9, 'M'],
    [1e12, 'G'],
  ] as const) {
    if (abs < limit) return `${trimmed(n / (limit / 1000))}${suffix}`;
  }
  return `${trimmed(n / 1e12)}T`;
}

/** A rate per second: `0/s`, `3.4/s`, `12.3k/s`. */
export function formatRate(perSecond: number | undefined): string {
  if (!isKnown(perSecond)) return `${UNKNOWN}/s`;
  if (Math.abs(perSecond) < 10 && perSecond !== Math.round(perSecond)) return `${perSecond.toFixed(1)}/s`;
  return `${formatCount(perSecond)}/s`;
}

/** A size in binary units, as the run report writes it: `512 B`, `1.5 KiB`, `2.0 GiB`. */
export function formatBytes(bytes: number | undefined): string {
  return isKnown(bytes) ? formatReportBytes(bytes) : UNKNOWN;
}

/** A fraction in [0, 1] as a percentage with one decimal: `42.0%`. */
export function formatPercent(fraction: number | undefined): string {
  if (!isKnown(fraction)) return UNKNOWN;
  return `${(clamp01(fraction) * 100).toFixed(1)}%`;
}

/** A replay speed factor: `1x`, `0.5x`, `16x`, `max`. */
export function formatSpeed(factor: number): string {
  if (factor === Number.POSITIVE_INFINITY) return 'max';
  return `${Number(factor.toPrecision(3))}x`;
}

/** A text progress bar of exactly `width` cells. */
export function progressBar(fraction: number, width: number): string {
  const filled = Math.round(clamp01(fraction) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** done / total, or 0 when the total is unknown or empty. */
export function fractionOf(done: number, total: number): number {
  return total > 0 ? clamp01(done / total) : 0;
}

function clamp01(x: number): number {
  if (!Number.isFinite(x)) return 0;
  return Math.min(1, Math.max(0, x));
}

/** Three significant digits at most, without trailing zeros: 1.5, 12.3, 123. */
function trimmed(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}
