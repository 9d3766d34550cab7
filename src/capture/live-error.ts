/** What went wrong opening or running a live capture; the CLI prints `message` as is. */
export type LiveCaptureProblem =
  | 'unavailable'
  | 'unknown-device'
  | 'device-down'
  | 'bad-filter'
  | 'no-privilege'
  | 'open-failed';

export class LiveCaptureError extends Error {
  constructor(
    readonly problem: LiveCaptureProblem,
    message: string,
  ) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}
