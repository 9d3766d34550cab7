/** Speed factors the `+` and `-` keys move between: each step doubles or halves. */
const MIN_SPEED = 1 / 64;
const MAX_SPEED = 1024;

/**
 * The factor one step faster or slower than `current`, or undefined when there is none
 * (already at a bound, or `--speed max`, which has no pace to scale).
 */
export function stepSpeed(current: number, direction: 'faster' | 'slower'): number | undefined {
  if (!Number.isFinite(current) || current <= 0) return undefined;
  const next = direction === 'faster' ? current * 2 : current / 2;
  const bounded = Math.min(MAX_SPEED, Math.max(MIN_SPEED, next));
  return bounded === current ? undefined : bounded;
}
