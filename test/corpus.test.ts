/**
 * Acceptance over the shared corpus of real captures: for every file, inspect's session counts
 * equal tshark's (MANIFEST.tsv, tshark_crosscheck and tcp_sessions columns).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { inspectCapture } from '../src/cli/inspect.ts';
import { readSessions } from '../src/flow/pipeline.ts';
import type { CapturedRequest, CapturedSession } from '../src/flow/session.ts';
import { CORPUS_DIR } from './helpers/corpus.ts';

const corpus = `${CORPUS_DIR}/`;
const files = join(corpus, 'files');
const root = new URL('..', import.meta.url).pathname;

interface ManifestRow {
  file: string;
  withSyn: number;
  tcpStreams: number;
}

function field(row: Record<string, string>, column: string, name: string): number {
  const match = new RegExp(`(?:^|\\s)${name}=(\\d+)`).exec(row[column] ?? '');
  assert.ok(match, `MANIFEST.tsv: ${row.file}: no ${name}= in column ${column}`);
  return Number(match[1]);
}

function readManifest(): ManifestRow[] {
  const [header, ...lines] = readFileSync(join(corpus, 'MANIFEST.tsv'), 'utf8').trimEnd().split('\n');
  const columns = header.split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    const row = Object.fromEntries(columns.map((name, i) => [name, cells[i] ?? '']));
    return {
      file: row.file,
      withSyn: field(row, 'tcp_sessions', 'with_syn'),
      tcpStreams: field(row, 'tshark_crosscheck', 'tcp_streams'),
    };
  });
}

async function sessionsOf(file: string): Promise<CapturedSession[]> {
  const sessions: CapturedSession[] = [];
  await readSessions(join(files, file), { sessionClosed: (s) => sessions.push(s) }, { keepPayload: true });
  return sessions;
}

function requestsOf(sessions: CapturedSession[]): CapturedRequest[] {
  return sessions.flatMap((s) => s.requests);
}

const present = existsSync(join(corpus, 'MANIFEST.tsv'));

describe('corpus: inspect agrees with tshark on every capture', {
  skip: present ? false : `no corpus at ${corpus}`,
}, () => {
  const rows = present ? readManifest() : [];

  it('covers every file in the corpus directory (61 in the shared corpus)', () => {
    assert.deepEqual(rows.map((row) => row.file).sort(), readdirSync(files).sort());
    if (corpus.endsWith(`${join('shared', 'corpus')}/`)) assert.equal(rows.length, 61);
  });

  for (const row of rows) {
    it(`${row.file}: ${row.tcpStreams} TCP sessions, ${row.withSyn} with SYN`, async () => {
      const report = await inspectCapture(join(files, row.file), { sessions: true });
      assert.equal(report.tcp.sessions, row.tcpStreams, 'tcp.sessions vs tshark tcp_streams');
      assert.equal(report.tcp.sessionsWithSyn, row.withSyn, 'tcp.sessionsWithSyn vs with_syn');
      assert.equal(report.tcp.sessionsWithoutSyn, row.tcpStreams - row.withSyn);
      assert.equal(report.sessions?.length, row.tcpStreams);
    });
  }

  it('the real CLI prints the same JSON counts (zeek_http_methods.pcap: 49 sessions)', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(root, 'bin/reprise.js'),
        'inspect',
        '--json',
        '--sessions',
        join(files, 'zeek_http_methods.pcap'),
      ],
      { cwd: root },
    );
    const report = JSON.parse(stdout);
    assert.equal(report.packets, 655);
    assert.equal(report.tcp.sessions, 49);
    assert.equal(report.tcp.sessionsWithSyn, 49);
    assert.equal(report.tcp.sessionsWithoutSyn, 0);
    assert.equal(report.sessions.length, 49);
    assert.deepEqual(report.tcp.serverPorts, [{ port: 80, sessions: 49 }]);
  });
});

describe('corpus: requests', { skip: present ? false : `no corpus at ${corpus}` }, () => {
  it('zeek_http_get.pcap holds exactly one request, a GET, answered by the server', async () => {
    const requests = requestsOf(await sessionsOf('zeek_http_get.pcap'));
    assert.equal(requests.length, 1);
    assert.equal(requests[0].data.subarray(0, 4).toString(), 'GET ');
    assert.equal(requests[0].data.length, requests[0].length);
    assert.ok(requests[0].responseBytes > 0);
  });

  it('zeek_http_1000-requests-one-dropped-response.pcap: all 1000 pipelined GETs, in order', async () => {
    const sessions = await sessionsOf('zeek_http_1000-requests-one-dropped-response.pcap');
    assert.equal(sessions.length, 1);
    const stream = Buffer.concat(sessions[0].requests.map((r) => r.data)).toString('latin1');
    assert.equal(stream.split('GET ').length - 1, 1000);
    assert.equal(sessions[0].gapBytes, 0);
    const offsets = sessions[0].requests.map((r) => r.streamOffset);
    assert.deepEqual(
      offsets,
      [...offsets].sort((a, b) => a - b),
    );
  });

  it('zeek_http_pipelined-requests.pcap: five GETs, each waiting for its response', async () => {
    const requests = requestsOf(await sessionsOf('zeek_http_pipelined-requests.pcap'));
    assert.equal(requests.length, 5);
    for (const r of requests) assert.match(r.data.toString('latin1'), /^GET /);
    for (const r of requests) assert.ok(r.responseBytes > 0);
  });

  it('zeek_smtp-one-side-only.pcap: SMTP commands split by the client acks alone', async () => {
    const requests = requestsOf(await sessionsOf('zeek_smtp-one-side-only.pcap'));
    assert.ok(requests.length >= 5);
    assert.match(requests[0].data.toString('latin1'), /^ehlo /i);
    assert.match(requests[1].data.toString('latin1'), /^mail from:/i);
  });

  it('packetbeat_wsgi_drum.pcap (every packet twice): each request once, RTTs never negative', async () => {
    const sessions = await sessionsOf('packetbeat_wsgi_drum.pcap');
    assert.equal(sessions.length, 16);
    for (const s of sessions) {
      assert.equal(s.requests.length, 1);
      assert.match(s.requests[0].data.toString('latin1'), /^(GET|POST) /);
      assert.ok((s.handshake.rttUs ?? 0) >= 0);
      for (const r of s.requests) assert.ok(r.offsetUs >= 0);
    }
  });

  it('zeek_tcp_missing-syn.pcap starts with the SYN-ACK: the client is still found', async () => {
    const [session] = await sessionsOf('zeek_tcp_missing-syn.pcap');
    assert.equal(session.handshake.syn, false);
    assert.equal(session.handshake.synAck, true);
    assert.equal(session.server.port, 80);
    assert.match(session.requests[0].data.toString('latin1'), /^GET /);
  });

  it('zeek_tcp_truncated-header.pcap: payload cut by the snap length is missing, not invented', async () => {
    const [session] = await sessionsOf('zeek_tcp_truncated-header.pcap');
    assert.ok(session.truncatedSegments > 0);
    assert.equal(session.gapBytes, session.bytesFromClient);
    for (const r of session.requests) assert.equal(r.data.length, 0);
  });
});
