/** Flag value parsers that name the flag and the value when they refuse it. */
import { UserError } from '../util/user-error.ts';

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

/** `--speed`: a positive factor, or `max`. */
export function speedFactor(flag: string, text: string): number {
  if (text === 'max') return Number.POSITIVE_INFINITY;
  return positiveNumber(flag, text);
}
