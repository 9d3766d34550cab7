/**
 * A reader that went away (`reprise ... | head`) is no failure: what is left to print is dropped
 * and the command finishes its work (a report, a recording). Any other stream error still throws.
 */
export function ignoreBrokenPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}
