import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  type FileHandle,
  lstat,
  open,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
} from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errorCode } from '../util/error-code.ts';
import type { RunReport } from './schema.ts';
import { ReportError, validateReport, validateReportHead, validateSession } from './validate.ts';

/**
 * A report is written in pieces of about this many characters. A long run's report outgrows
 * V8's longest string (2^29 - 24 characters, about 1.9 million requests): built whole, it would
 * fail at the very end of the run and take every result with it.
 */
const WRITE_PIECE_CHARS = 1 << 20;

/**
 * Reports up to this size are parsed as one JSON text, in any layout (V8's longest string is
 * 2^29 - 24 characters); larger ones line by line, in the layout writeReport uses.
 */
const WHOLE_TEXT_MAX_BYTES = 500 * 2 ** 20;

/** A line longer than this in a report read line by line is an error, not a crash. */
const MAX_LINE_BYTES = 256 * 2 ** 20;

/**
 * Writes the report atomically: to a temporary file beside it, then renamed over `path`, so a
 * crash leaves either the old file or the whole new one, never half a report. `sessionLines`
 * gives the sessions as JSON lines (from a SessionSpill) when `report.sessions` does not hold them.
 */
export async function writeReport(
  path: string,
  report: RunReport,
  sessionLines?: () => Iterable<string>,
): Promise<void> {
  const { target, into } = await reportTarget(path);
  if (into) {
    // Appended to, so that a shell's `>>` behind /dev/stdout keeps what it had.
    await writeReportInto(target, 'a', report, sessionLines);
    return;
  }
  const temporary = besideFile(target, 'tmp');
  try {
    await writeReportInto(temporary, 'wx', report, sessionLines);
    await rename(temporary, target);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

/**
 * Where a report for `path` goes, and whether it is written into what is there (`into`) rather
 * than replacing it. A device, a FIFO, and anything under /dev or /proc (/dev/stdout resolves to
 * the file a shell redirected it to, which must not be replaced) are written into. A symbolic
 * link is followed, also when what it names does not exist yet, so the link stays.
 */
export async function reportTarget(path: string): Promise<{ target: string; into: boolean }> {
  if (/^\/(dev|proc)\//.test(resolve(path))) return { target: path, into: true };
  const link = await lstat(path).catch(() => undefined);
  let target = path;
  if (link?.isSymbolicLink()) {
    target = await realpath(path).catch(async () => resolve(dirname(path), await readlink(path)));
  }
  const existing = await stat(target).catch(() => undefined);
  return { target, into: existing !== undefined && !existing.isFile() };
}

async function writeReportInto(
  path: string,
  flags: 'a' | 'wx',
  report: RunReport,
  sessionLines?: () => Iterable<string>,
): Promise<void> {
  const file = await open(path, flags);
  try {
    for (const piece of reportText(report, WRITE_PIECE_CHARS, sessionLines?.())) {
      await writeAll(file, Buffer.from(piece));
    }
  } finally {
    await file.close();
  }
}

/** A new file name beside `path` that no other process or run picks: `<path>.<pid>.<random>.<suffix>`. */
export function besideFile(path: string, suffix: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.${suffix}`;
}

/** FileHandle.write may write less than asked (a disk filling up): the rest goes again. */
async function writeAll(file: FileHandle, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length; ) at += (await file.write(bytes, at)).bytesWritten;
}

/**
 * The report as JSON, in pieces of about `pieceChars`: one top-level field per line and one
 * session per line, `sessions` last (readable, greppable, diffable, and readable line by line).
 */
export function* reportText(
  report: RunReport,
  pieceChars = WRITE_PIECE_CHARS,
  sessionLines: Iterable<string> = jsonLines(report.sessions),
): Generator<string> {
  const { sessions: _inLines, ...head } = report;
  const fields = Object.entries(head).map(
    ([key, value]) => ` ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  );
  let piece = `{\n${fields.join(',\n')},\n "sessions": [`;
  let first = true;
  for (const line of sessionLines) {
    piece += `${first ? '\n' : ',\n'}  ${line}`;
    first = false;
    if (piece.length >= pieceChars) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece}${first ? ']' : '\n ]'}\n}\n`;
}

function* jsonLines(sessions: RunReport['sessions']): Generator<string> {
  for (const session of sessions) yield JSON.stringify(session);
}

export interface ReadReportOptions {
  /** Larger files are read line by line (tests lower these two). */
  wholeTextMaxBytes?: number;
  maxLineBytes?: number;
}

/** Reads and validates a run report; every problem is a ReportError naming the file (and the field). */
export async function readReport(path: string, options: ReadReportOptions = {}): Promise<RunReport> {
  try {
    const { size } = await stat(path);
    return size <= (options.wholeTextMaxBytes ?? WHOLE_TEXT_MAX_BYTES)
      ? validateReport(parseWhole(path, await readFile(path, 'utf8')), path)
      : await parseByLines(path, size, options.maxLineBytes ?? MAX_LINE_BYTES);
  } catch (err) {
    if (err instanceof ReportError) throw err;
    throw new ReportError(path, `cannot read the report (${errorCode(err)})`);
  }
}

function parseWhole(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ReportError(path, `not JSON (${(err as Error).message})`);
  }
}

/**
 * The layout reportText writes: `{`, one ` "field": value,` per line, sessions one per line, `}`.
 * The fields are checked once read, and each session as it is: a report that is not one stops the
 * reading there, before its sessions fill the memory.
 */
async function parseByLines(path: string, size: number, maxLineBytes: number): Promise<RunReport> {
  const report: Record<string, unknown> = {};
  const sessions: unknown[] = [];
  let state: 'start' | 'fields' | 'sessions' | 'closing' | 'end' = 'start';
  let number = 0;
  let lastSessionHadComma = false;
  const fail = (detail: string, line = number): never => {
    throw new ReportError(
      path,
      `line ${line}: ${detail} (a report of ${(size / 2 ** 20).toFixed(0)} MB is read line by line, ` +
        'so it must keep the layout reprise writes: one top-level field per line, one session per line)',
    );
  };
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (err) {
      return fail(`not JSON (${(err as Error).message})`);
    }
  };
  for await (const line of lines(path, maxLineBytes, () =>
    fail(`longer than ${maxLineBytes} bytes`, number + 1),
  )) {
    number++;
    if (state === 'start') {
      if (line !== '{') fail("expected '{'");
      state = 'fields';
    } else if (state === 'fields') {
      if (line === ' "sessions": [' || line === ' "sessions": []') {
        validateReportHead(report, path);
        state = line.endsWith('[]') ? 'closing' : 'sessions';
      } else if (line.startsWith(' "sessions"')) fail('expected \' "sessions": [\'');
      else if (!line.endsWith(',')) fail("expected a field ending in ',' (the sessions come last)");
      else {
        // Own properties whatever their names ("__proto__" included), as JSON.parse makes them.
        for (const [key, value] of Object.entries(parse(`{${line.slice(0, -1)}}`) as object)) {
          Object.defineProperty(report, key, { value, enumerable: true, writable: true, configurable: true });
        }
      }
    } else if (state === 'sessions') {
      if (line === ' ]') {
        if (lastSessionHadComma) fail("a ',' after the last session", number - 1);
        state = 'closing';
      } else {
        if (sessions.length > 0 && !lastSessionHadComma) fail("expected ',' after this session", number - 1);
        lastSessionHadComma = line.endsWith(',');
        const session = parse(lastSessionHadComma ? line.slice(0, -1) : line);
        validateSession(session, sessions.length, path);
        sessions.push(session);
      }
    } else if (state === 'closing') {
      if (line !== '}') fail("expected '}'");
      state = 'end';
    } else if (line.trim() !== '') {
      fail('text after the end of the report');
    }
  }
  if (state !== 'end') fail('the report ends early');
  report.sessions = sessions;
  return report as unknown as RunReport;
}

/** The file's lines (UTF-8, without their LF), none longer than `maxBytes` (else `tooLong()` throws). */
async function* lines(path: string, maxBytes: number, tooLong: () => never): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let lf = chunk.indexOf(0x0a); lf >= 0; lf = chunk.indexOf(0x0a, from)) {
      if (pendingBytes + lf - from > maxBytes) tooLong();
      const tail = chunk.subarray(from, lf);
      yield (pending.length === 0 ? tail : Buffer.concat([...pending, tail])).toString('utf8');
      pending = [];
      pendingBytes = 0;
      from = lf + 1;
    }
    if (from < chunk.length) {
      pendingBytes += chunk.length - from;
      if (pendingBytes > maxBytes) tooLong();
      pending.push(chunk.subarray(from));
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending).toString('utf8');
}
