/**
 * Whether a live view can take over the terminal: both ends are TTYs and we are not in CI
 * (where Ink only prints the last frame; the same rule as Ink's own `is-in-ci`).
 */
export function isInteractiveTerminal(
  stdin: { isTTY?: boolean } = process.stdin,
  stdout: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return stdin.isTTY === true && stdout.isTTY === true && !isCi(env);
}

function isCi(env: NodeJS.ProcessEnv): boolean {
  const set = (name: string) => name in env && env[name] !== '0' && env[name] !== 'false';
  return set('CI') || set('CONTINUOUS_INTEGRATION');
}

/** NO_COLOR (no-color.org) is set and not empty, and FORCE_COLOR does not overrule it. */
export function colourRefused(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.NO_COLOR ?? '') !== '' && !('FORCE_COLOR' in env);
}

/**
 * Whether text for `stream` gets colours: the rule of the live views (Ink's chalk, with NO_COLOR
 * heeded): a non-empty NO_COLOR refuses them, FORCE_COLOR forces them ('0' and 'false' refuse
 * them), and otherwise only a terminal that is not `TERM=dumb` gets them.
 */
export function colourWanted(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (colourRefused(env)) return false;
  if ('FORCE_COLOR' in env) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}
