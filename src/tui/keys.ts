import type { Key } from 'ink';

/** `q` or Ctrl-C (delivered as input in raw mode, where the terminal sends no SIGINT). */
export function isStopKey(input: string, key: Key): boolean {
  return input === 'q' || (key.ctrl && input === 'c');
}
