import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { RunReport } from './schema.ts';
import { ReportError, validateReport } from './validate.ts';

/**
 * A report is written in pieces of about this many characters. A long run's report outgrows
 * V8's longest string (2^29 - 24 characters, about 1.9 million requests): built whole, it would
 * fail at the very end of the run and take every result with it.
 */
const WRITE_PIECE_CHARS = 1 << 20;

/**
 * Reports up to this size are parsed as one JSON text, in any layout; larger ones line by line,
 * in the layout writeReport uses (they cannot be one string).
 */
const WHOLE_TEXT_MAX_BYTES = 256 * 2 ** 20;

/**
 * Writes the report atomically: to a temporary file beside it, then renamed over `path`, so a
 * crash leaves either the old file or the whole new one, never half a report.
 */
export async function writeReport(path: string, report: RunReport): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const file = await open(temporary, 'wx');
    try {
      for (const piece of reportText(report)) await file.write(piece);
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

/**
 * The report as JSON, in pieces of about `pieceChars`: one top-level field per line and one
 * session per line, `sessions` last (readable, greppable, diffable, and readable line by line).
 */
export function* reportText(report: RunReport, pieceChars = WRITE_PIECE_CHARS): Generator<string> {
  const { sessions, ...head } = report;
  const fields = Object.entries(head).map(
    ([key, value]) => ` ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  );
  if (sessions.length === 0) {
    yield `{\n${[...fields, ' "sessions": []'].join(',\n')}\n}\n`;
    return;
  }
  let piece = `{\n${[...fields, ' "sessions": ['].join(',\n')}\n`;
  const last = sessions.length - 1;
  for (let i = 0; i <= last; i++) {
    piece += `  ${JSON.stringify(sessions[i])}${i < last ? ',' : ''}\n`;
    if (piece.length >= pieceChars) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece} ]\n}\n`;
}

export interface ReadReportOptions {
  /** Larger files are read line by line (tests lower it). */
  wholeTextMaxBytes?: number;
}

/** Reads and validates a run report; every problem is a ReportError naming the file (and the field). */
export async function readReport(path: string, options: ReadReportOptions = {}): Promise<RunReport> {
  let value: unknown;
  try {
    const { size } = await stat(path);
    value =
      size <= (options.wholeTextMaxBytes ?? WHOLE_TEXT_MAX_BYTES)
        ? parseWhole(path, await readFile(path, 'utf8'))
        : await parseByLines(path, size);
  } catch (err) {
    if (err instanceof ReportError) throw err;
    throw new ReportError(
      path,
      `cannot read the report (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  return validateReport(value, path);
}

function parseWhole(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ReportError(path, `not JSON (${(err as Error).message})`);
  }
}

/** The layout reportText writes: `{`, one ` "field": value` per line, sessions one per line, `}`. */
async function parseByLines(path: string, size: number): Promise<unknown> {
  const report: Record<string, unknown> = {};
  const sessions: unknown[] = [];
  let state: 'start' | 'fields' | 'sessions' | 'closing' | 'end' = 'start';
  let number = 0;
  const fail = (detail: string): never => {
    throw new ReportError(
      path,
      `line ${number}: ${detail} (a report of ${(size / 2 ** 20).toFixed(0)} MB is read line by line, ` +
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
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    number++;
    if (state === 'start') {
      if (line !== '{') fail("expected '{'");
      state = 'fields';
    } else if (state === 'fields') {
      if (line === ' "sessions": [') state = 'sessions';
      else if (line === ' "sessions": []') state = 'closing';
      else if (line.startsWith(' "sessions"')) fail('expected \' "sessions": [\'');
      else if (!line.endsWith(',')) fail("expected a field ending in ',' (the sessions come last)");
      else Object.assign(report, parse(`{${line.slice(0, -1)}}`));
    } else if (state === 'sessions') {
      if (line === ' ]') state = 'closing';
      else sessions.push(parse(line.endsWith(',') ? line.slice(0, -1) : line));
    } else if (state === 'closing') {
      if (line !== '}') fail("expected '}'");
      state = 'end';
    } else if (line.trim() !== '') {
      fail('text after the end of the report');
    }
  }
  if (state !== 'end') fail('the report ends early');
  report.sessions = sessions;
  return report;
}
