/**
 * A report over 500 MB is read line by line. Found by a fuzz hunt: it was validated only once every
 * session was parsed and held, so `reprise compare` on a 515 MB report whose sessions are all `{}`
 * (90 million lines) ran for 3.5 minutes, grew to 6.8 GB and died of V8's "heap out of memory"
 * (signal 6, a native stack trace), where the first session already said what was wrong. Read
 * line by line, the head is checked when the sessions begin and each session as it is read. The tests force the line-by-line path on a
 * small file (wholeTextMaxBytes 0) and show where reading stops by what follows the bad part.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readReport, reportText } from '../../src/report/io.ts';
import { ReportError } from '../../src/report/validate.ts';
import { runReport } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'rp-fuzz-hunt8-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const written = [...reportText(runReport({ latenciesMs: [5, 7, 9] }))].join('');
const SESSIONS_LINE = ' "sessions": [';
/** A real report's lines up to and including ` "sessions": [`, in the layout reprise writes. */
const head = written.slice(0, written.indexOf(SESSIONS_LINE) + SESSIONS_LINE.length);

async function lineByLineError(name: string, text: string): Promise<ReportError> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const error = await readReport(path, { wholeTextMaxBytes: 0 }).then(
    () => assert.fail('the report was accepted'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof ReportError, String(error));
  return error;
}

describe('a report read line by line is checked as it is read', () => {
  it('the report as written reads back line by line (the layout the cases below break)', async () => {
    const path = join(dir, 'good.json');
    writeFileSync(path, written);
    const report = await readReport(path, { wholeTextMaxBytes: 0 });
    assert.equal(report.sessions.length, 3);
  });

  it('the first session that is not a session stops the reading', async () => {
    const error = await lineByLineError('bad-session.json', `${head}\n  {},\n  not json\n ]\n}\n`);
    assert.match(error.message, /sessions\[0\]/);
    assert.doesNotMatch(error.message, /not JSON/);
  });

  it('a head that is not a run report stops the reading before the sessions', async () => {
    const foreign = head.replace('"reprise.run/1"', '"someone-else/1"');
    const error = await lineByLineError('foreign.json', `${foreign}\n  not json\n ]\n}\n`);
    assert.match(error.message, /schema/);
  });
});
