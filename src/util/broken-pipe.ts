/**
 * A reader that went away (`reprise ... | head`) is no failure: what is left to print is dropped
 * and the command finishes its work (a report, a recording). Any other write error (a full disk:
 * ENOSPC) is said once on stderr and fails the command, which still finishes its work.
 */
export const ignoreBrokenPipe = stdoutErrorListener(process.stderr);

/** Stdout's write errors already said on stderr. */
const told = new WeakSet<Error>();

/** A listener for stdout's 'error' events that never throws: a throw there would crash the command. */
export function stdoutErrorListener(stderr: NodeJS.WritableStream): (error: NodeJS.ErrnoException) => void {
  let said = false;
  return (error) => {
    if (error.code === 'EPIPE') return;
    told.add(error);
    process.exitCode = 1;
    if (said) return;
    said = true;
    stderr.write(`reprise: cannot write to stdout (${error.code ?? error.message})\n`);
  };
}

/** Whether `err` is a stdout write error already said on stderr: a command failing with it has nothing to add. */
export function isToldStdoutError(err: unknown): boolean {
  return err instanceof Error && told.has(err);
}
