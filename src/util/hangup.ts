/**
 * A hangup (SIGHUP: the terminal closed, an ssh session dropped) ends a command as a stop does,
 * with its files and report written; these two helpers see it through.
 */

/**
 * Writes to a terminal that hung up (or a closed stderr pipe) fail with EIO or EPIPE; unheard,
 * the stream's 'error' event would crash the command before it has written its files.
 */
export function ignoreTerminalWriteErrors(): void {
  const ignore = () => {};
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
}

/**
 * Ends the process the way SIGHUP does by default, once the files are written. A normal exit
 * would abort in Node 20 when the terminal is gone (restoring its mode fails: nodejs/node#51519).
 */
export function dieOfHangup(): void {
  process.kill(process.pid, 'SIGHUP');
}
