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
    const index = this.index;
    const onDisk = (i: number, f: number) => index[FIELDS * i + f];
    type Entry =
      | { key: [number, number, number, number]; disk: number }
      | { key: [number, number, number, number]; kept: Kept };
    const entries: Entry[] = [];
    for (let i = 0; i < this.count; i++) {
      entries.push({ key: [onDisk(i, 2), onDisk(i, 3), onDisk(i, 4), onDisk(i, 5)], disk: i });
    }
    for (const kept of this.kept) {
      const { sessionId, copy, loop } = kept.result;
      entries.push({ key: [sessionId, copy, loop, kept.ref], kept });
    }
    entries.sort(
      (a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || a.key[3] - b.key[3],
    );
    let buffer = Buffer.alloc(64 * 1024);
    for (const entry of entries) {
      if ('kept' in entry) {
        yield JSON.stringify(entry.kept.result);
        continue;
      }
      const i = entry.disk;
      const length = onDisk(i, 1);
      if (buffer.length < length) buffer = Buffer.alloc(length);
      for (let read = 0; read < length; ) {
        const n = readSync(this.fd, buffer, read, length - read, onDisk(i, 0) + read);
        if (n === 0) throw new Error(`${this.path}: the file ends inside session line ${i}`);
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
