/** Flag value parsers that name the flag and the value when they refuse it. */

import { checkSegmentSizes, MSS_LIMITS, MTU_LIMITS } from '../transport/segment-size.ts';
import { UserError } from '../util/user-error.ts';

/**
 * A comma-list flag given more than once (`-x 80-a:80 -x 443-a:443`): every one counts, as if
 * joined by commas, instead of the last silently replacing the others.
 */
export function repeatableList(text: string, earlier: string | undefined): string {
  return earlier === undefined ? text : `${earlier},${text}`;
}

export function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UserError(`${flag}: '${text}' is not a positive number`);
  }
  return n;
}

export function integerInRange(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || n < min || n > max) {
    throw new UserError(`${flag}: '${text}' is not a whole number from ${min} to ${max}`);
  }
  return n;
}

export function percentage(flag: string, text: string): number {
  const n = Number(text.replace(/%$/, ''));
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 100) {
    throw new UserError(`${flag}: '${text}' is not a percentage in (0, 100]`);
  }
  return n;
}

/** `--speed`: a positive factor, or `max` (in any case). */
export function speedFactor(flag: string, text: string): number {
  if (text.trim().toLowerCase() === 'max') return Number.POSITIVE_INFINITY;
  return positiveNumber(flag, text);
}

/** The raw transport's `-M` (MTU) and `-D` (MSS), as tcpcopy reads them: the MSS must fit the MTU. */
export function mtuAndMss(
  mtuText: string | undefined,
  mssText: string | undefined,
): { mtu?: number; mss?: number } {
  const mtu =
    mtuText === undefined ? undefined : integerInRange('-M', mtuText, MTU_LIMITS.min, MTU_LIMITS.max);
  const mss =
    mssText === undefined ? undefined : integerInRange('-D', mssText, MSS_LIMITS.min, MSS_LIMITS.max);
  checkSegmentSizes(mtu, mss);
  return { ...(mtu !== undefined ? { mtu } : {}), ...(mss !== undefined ? { mss } : {}) };
}
