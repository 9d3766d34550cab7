/**
 * Ended sessions' results kept on disk, so that a long replay's memory does not grow with its
 * sessions (in memory they take about 1.2 KB each): one JSON line per session, appended in
 * batches as sessions become final, read back in report order (session id, copy, loop) when the
 * report is written. What stays in memory is 40 bytes per session (where its line is, and its
 * sort key) and the batch not written yet.
 *
 * The file lives beside the report and `close()` removes it; after a crash it still holds the
 * sessions that had ended (but for the last batch), one JSON object per line.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import type { EndedSessionSink } from './metrics.ts';
import type { SessionResult } from './outcome.ts';

/** Results are serialized and written this many at a time (in one tight loop, off the replay's per-event path). */
const BATCH_SESSIONS = 512;
/** Per session: offset, length, session id, copy, loop. */
const FIELDS = 5;

export class SessionSpill implements EndedSessionSink {
  private readonly fd: number;
  private pending: SessionResult[] = [];
  /** Where the next line starts: bytes in the file. */
  private end = 0;
  private index = new Float64Array(FIELDS * 1024);
  private count = 0;

  constructor(
    readonly path: string,
    private readonly batchSessions = BATCH_SESSIONS,
  ) {
    this.fd = openSync(path, 'wx+');
  }

  get sessions(): number {
    return this.count + this.pending.length;
  }

  add(result: SessionResult): void {
    this.pending.push(result);
    if (this.pending.length >= this.batchSessions) this.flush();
  }

  /** Every session's JSON, without its newline, in report order. */
  *lines(): Generator<string> {
    this.flush();
    const index = this.index;
    const field = (i: number, f: number) => index[FIELDS * i + f];
    const order = Array.from({ length: this.count }, (_, i) => i);
    order.sort((a, b) => field(a, 2) - field(b, 2) || field(a, 3) - field(b, 3) || field(a, 4) - field(b, 4));
    let buffer = Buffer.alloc(64 * 1024);
    for (const i of order) {
      const length = field(i, 1);
      if (buffer.length < length) buffer = Buffer.alloc(length);
      for (let read = 0; read < length; ) {
        const n = readSync(this.fd, buffer, read, length - read, field(i, 0) + read);
        if (n === 0) throw new Error(`${this.path}: the file ends inside session line ${i}`);
        read += n;
      }
      yield buffer.toString('utf8', 0, length);
    }
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }

  private flush(): void {
    const results = this.pending;
    if (results.length === 0) return;
    this.pending = [];
    if (this.index.length < FIELDS * (this.count + results.length)) {
      const grown = new Float64Array(Math.max(this.index.length * 2, FIELDS * (this.count + results.length)));
      grown.set(this.index);
      this.index = grown;
    }
    const lines: string[] = [];
    const index = this.index;
    for (const result of results) {
      const line = JSON.stringify(result);
      const bytes = Buffer.byteLength(line);
      const at = FIELDS * this.count++;
      index[at] = this.end;
      index[at + 1] = bytes;
      index[at + 2] = result.sessionId;
      index[at + 3] = result.copy;
      index[at + 4] = result.loop;
      this.end += bytes + 1;
      lines.push(line);
    }
    lines.push('');
    const text = Buffer.from(lines.join('\n'));
    for (let at = 0; at < text.length; ) at += writeSync(this.fd, text, at);
  }
}
