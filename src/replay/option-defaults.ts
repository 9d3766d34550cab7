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
  sessionTimeout: '30',
  multiply: '1',
  seed: '1',
} as const;
