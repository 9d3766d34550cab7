/**
 * Errors a command reports to the user as one line on stderr. `exitCode` 2 means bad input
 * (a flag, a file, a peer); 1 is kept for "ran, but the result is a failure" (compare).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
