import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { RunReport } from './schema.ts';
import { ReportError, validateReport } from './validate.ts';

/**
 * Writes the report atomically: to a temporary file beside it, then renamed over `path`, so a
 * crash leaves either the old file or the whole new one, never half a report.
 */
export async function writeReport(path: string, report: RunReport): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, serializeReport(report), { flag: 'wx' });
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

/** Reads and validates a run report; every problem is a ReportError naming the file (and the field). */
export async function readReport(path: string): Promise<RunReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ReportError(
      path,
      `cannot read the report (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ReportError(path, `not JSON (${(err as Error).message})`);
  }
  return validateReport(value, path);
}

/** JSON with one top-level field per line and one session per line: readable, greppable, diffable. */
function serializeReport(report: RunReport): string {
  const { sessions, ...head } = report;
  const fields = Object.entries(head).map(
    ([key, value]) => ` ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  );
  const lines = sessions.map((session) => `  ${JSON.stringify(session)}`);
  const sessionsField = lines.length === 0 ? ' "sessions": []' : ` "sessions": [\n${lines.join(',\n')}\n ]`;
  return `{\n${[...fields, sessionsField].join(',\n')}\n}\n`;
}
