/**
 * The JSON form of an inspect report, in pieces: the same text as JSON.stringify(report, null, 2)
 * plus a newline, without ever building it as one string (a million sessions make more than V8's
 * longest string).
 */
import type { InspectReport } from './report.ts';

const ROW_INDENT = '\n    ';

export function* renderJson(report: InspectReport): Generator<string, void, undefined> {
  const { sessions, ...summary } = report;
  const head = JSON.stringify(summary, null, 2);
  if (sessions === undefined) {
    yield `${head}\n`;
    return;
  }
  // `sessions` is the last key: reopen the summary object before its closing "\n}".
  const open = `${head.slice(0, -2)},\n  "sessions": [`;
  if (sessions.length === 0) {
    yield `${open}]\n}\n`;
    return;
  }
  yield open;
  for (let i = 0; i < sessions.length; i++) {
    const row = JSON.stringify(sessions[i], null, 2).replaceAll('\n', ROW_INDENT);
    yield `${i === 0 ? '' : ','}${ROW_INDENT}${row}`;
  }
  yield '\n  ]\n}\n';
}
