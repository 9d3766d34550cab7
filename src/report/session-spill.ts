/**
 * Ended sessions' results kept on disk, so that a long replay's memory does not grow with its
 * sessions (in memory they take about 1.2 KB each): one JSON line per session, appended in
 * batches as sessions become final, read back in report order when the report is written. What
 * stays in memory is 48 bytes per session (where its line is, and its sort key) and the batch
 * not written yet.
 *
 * Report order is (session id, copy, loop), ties in plan order (the ref): captures replayed
 * together number their sessions from 0 each. A write that fails (disk full) does not stop the
 * run: that batch and every later session stay in memory, and `error` says why.
 *
 * The file lives beside the report; `close()` removes it, and so does the process's exit. After
 * a crash it holds the sessions that had ended, but for the last batch, one JSON object per line.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import type { EndedSessionSink, SessionRef } from './metrics.ts';
import type { SessionResult } from './outcome.ts';

/** Results are serialized and written this many at a time, in one tight loop. */
const BATCH_SESSIONS = 128;
/** Per session: offset, length, session id, copy, loop, ref. */
const FIELDS = 6;

interface Kept {
  result: SessionResult;
  ref: SessionRef;
}

export class SessionSpill implements EndedSessionSink {
  private readonly fd: number;
  private pending: Kept[] = [];
  /** Sessions a failed write left in memory (and every one after it). */
  private readonly kept: Kept[] = [];
  /** Where the next line starts: bytes in the file. */
  private end = 0;
  private index = new Float64Array(FIELDS * 1024);
  private count = 0;
  private failure: Error | undefined;
  private readonly removeOnExit = () => rmSync(this.path, { force: true });

  constructor(
    readonly path: string,
    private readonly batchSessions = BATCH_SESSIONS,
  ) {
    this.fd = openSync(path, 'wx+');
    process.on('exit', this.removeOnExit);
  }

  get sessions(): number {
    return this.count + this.pending.length + this.kept.length;
  }

  /** Why sessions stayed in memory after all, if a write failed. */
  get error(): Error | undefined {
    return this.failure;
  }

  add(result: SessionResult, ref: SessionRef): void {
    if (this.failure) {
      this.kept.push({ result, ref });
      return;
    }
    this.pending.push({ result, ref });
    if (this.pending.length >= this.batchSessions) this.flush();
  }

  /** Every session's JSON, without its newline, in report order. */
  *lines(): Generator<string> {
    this.flush();
    const { index, count, kept } = this;
    // Positions below `count` are lines in the file, the rest sessions kept in memory.
    const key = (at: number, field: number): number => {
      if (at < count) return index[FIELDS * at + field];
      const { result, ref } = kept[at - count];
      return field === 2 ? result.sessionId : field === 3 ? result.copy : field === 4 ? result.loop : ref;
    };
    const order = Array.from({ length: count + kept.length }, (_, at) => at);
    order.sort(
      (a, b) =>
        key(a, 2) - key(b, 2) || key(a, 3) - key(b, 3) || key(a, 4) - key(b, 4) || key(a, 5) - key(b, 5),
    );
    let buffer = Buffer.alloc(64 * 1024);
    for (const at of order) {
      if (at >= count) {
        yield JSON.stringify(kept[at - count].result);
        continue;
      }
      const offset = index[FIELDS * at];
      const length = index[FIELDS * at + 1];
      if (buffer.length < length) buffer = Buffer.alloc(length);
      for (let read = 0; read < length; ) {
        const n = readSync(this.fd, buffer, read, length - read, offset + read);
        if (n === 0) throw new Error(`${this.path}: the file ends inside session line ${at}`);
        read += n;
      }
      yield buffer.toString('utf8', 0, length);
    }
  }

  close(): void {
    process.removeListener('exit', this.removeOnExit);
    closeSync(this.fd);
    this.removeOnExit();
  }

  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0 || this.failure) return;
    this.pending = [];
    const lines = batch.map((kept) => JSON.stringify(kept.result));
    lines.push('');
    const text = Buffer.from(lines.join('\n'));
    try {
      for (let at = 0; at < text.length; ) at += writeSync(this.fd, text, at);
    } catch (err) {
      // The file may hold part of this batch: no index entry points there, and nothing goes after it.
      this.failure = err as Error;
      this.kept.push(...batch);
      return;
    }
    if (this.index.length < FIELDS * (this.count + batch.length)) {
      const grown = new Float64Array(Math.max(this.index.length * 2, FIELDS * (this.count + batch.length)));
      grown.set(this.index);
      this.index = grown;
    }
    for (let b = 0; b < batch.length; b++) {
      const bytes = Buffer.byteLength(lines[b]);
      const { result, ref } = batch[b];
      this.index.set(
        [this.end, bytes, result.sessionId, result.copy, result.loop, ref],
        FIELDS * this.count++,
      );
      this.end += bytes + 1;
    }
  }
}
