/** The JSON form of the report, written in pieces, is exactly JSON.stringify of it. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspectCapture } from '../../src/cli/inspect.ts';
import { renderJson } from '../../src/inspect/render-json.ts';
import type { InspectReport } from '../../src/inspect/report.ts';
import { CORPUS_FILES } from '../helpers/corpus.ts';

const whole = (report: InspectReport): string => `${JSON.stringify(report, null, 2)}\n`;
const pieced = (report: InspectReport): string => [...renderJson(report)].join('');

describe('renderJson', () => {
  it('prints what JSON.stringify prints, with and without the session list', async () => {
    for (const name of ['zeek_http_methods.pcap', 'zeek_ftp_ipv6.pcap', 'zeek_http_get.pcap']) {
      for (const sessions of [false, true]) {
        const report = await inspectCapture(join(CORPUS_FILES, name), { sessions });
        assert.equal(pieced(report), whole(report), `${name}, sessions: ${sessions}`);
        assert.deepEqual(JSON.parse(pieced(report)), JSON.parse(whole(report)));
      }
    }
  });

  it('prints an empty session list as []', async () => {
    const report = await inspectCapture(join(CORPUS_FILES, 'zeek_http_get.pcap'), { sessions: true });
    report.sessions = [];
    assert.equal(pieced(report), whole(report));
  });

  it('yields one small piece per session, never the whole listing as one string', async () => {
    // A million sessions print about 420 MB of JSON, near V8's longest string (2^29 characters):
    // JSON.stringify of the whole report fails beyond that.
    const report = await inspectCapture(join(CORPUS_FILES, 'zeek_http_get.pcap'), { sessions: true });
    const [row] = report.sessions ?? [];
    const count = 10_000;
    report.sessions = Array.from({ length: count }, (_, id) => ({ ...row, id }));
    const pieces = [...renderJson(report)];
    assert.equal(pieces.length, count + 2);
    assert.ok(pieces.slice(1).every((piece) => piece.length < 1000));
    assert.equal(pieces.join(''), whole(report));
  });
});
