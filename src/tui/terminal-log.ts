/** Log lines kept while the live view is on screen: the most recent ones. */
const MAX_HELD_LOG_LINES = 1000;

/**
 * Timestamped log lines on stderr. While a live view owns the terminal, a line written under it
 * would tear its frame (and be erased by the next redraw): they are held, the most recent ones,
 * and printed once the view is gone.
 */
export class TerminalLog {
  private held: string[] = [];
  private omitted = 0;
  private holding = false;

  readonly write = (line: string): void => {
    const text = `${new Date().toISOString()} ${line}\n`;
    if (!this.holding) {
      process.stderr.write(text);
      return;
    }
    this.held.push(text);
    if (this.held.length > MAX_HELD_LOG_LINES) {
      this.held.shift();
      this.omitted++;
    }
  };

  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    if (this.omitted > 0) process.stderr.write(`(${this.omitted} earlier log lines not shown)\n`);
    for (const text of this.held) process.stderr.write(text);
    this.held = [];
    this.omitted = 0;
  }
}
