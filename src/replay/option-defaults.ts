/** How long a session waits on the target without progress before it times out (--session-timeout). */
export const SESSION_TIMEOUT_S = 30;
/** Capture time read ahead of the replay clock, in ms (timed mode; see run.ts). */
export const LOOKAHEAD_MS = 2000;
/** Reconnects in a row without a response in between before a session gives up (both transports). */
export const MAX_RECONNECTS = 3;

/**
 * `reprise replay`'s defaults of the options given as text, keyed as the run report's `options`
 * keeps them: the CLI offers them, and compare reads them where an older report lacks the option.
 */
export const REPLAY_DEFAULTS = {
  interceptConnections: '1',
  portShift: '0',
  speed: '1',
  concurrency: '100',
  loop: '1',
  sample: '100',
  sessionTimeout: `${SESSION_TIMEOUT_S}`,
  multiply: '1',
  seed: '1',
} as const;
