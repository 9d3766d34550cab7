/** The longest delay a Node timer holds: one set past it (24.8 days) fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` capped to what a timer holds; a longer wait sets another timer for the rest when it fires. */
export function timerDelayMs(ms: number): number {
  return Math.min(ms, MAX_TIMER_MS);
}
