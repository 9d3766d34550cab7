/** The inspect report and its text form, computed in-process on real captures. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { inspectCapture } from '../../src/cli/inspect.ts';
import { renderText } from '../../src/inspect/render-text.ts';
import { idb, shb, spb } from '../capture/build.ts';
import { CORPUS_FILES, corpusLacks } from '../helpers/corpus.ts';
import { lineProtocolCapture } from '../helpers/line-capture.ts';

const corpus = CORPUS_FILES;
const scratch = mkdtempSync(join(tmpdir(), 'rp-report-'));

after(() => rmSync(scratch, { recursive: true, force: true }));

describe('inspect report', () => {
  it('counts the requests a client sent in parts, pausing with no answer in between', async () => {
    const exchanges: Array<[string, string | undefined]> = [
      ['r1\n', undefined],
      ['r2\n', 'ok\n'],
    ];
    const paused = await lineProtocolCapture(join(scratch, 'paused.pcap'), 7000, exchanges, {
      pauseUs: 500_000,
    });
    const report = await inspectCapture(paused);
    assert.equal(report.tcp.requests, 1);
    assert.equal(report.tcp.requestsInParts, 1);
    assert.match(renderText(report), /^requests\s{2,}1 \(1 sent in parts\)$/m);
    const quick = await lineProtocolCapture(join(scratch, 'quick.pcap'), 7000, exchanges);
    assert.equal((await inspectCapture(quick)).tcp.requestsInParts, 0);
  });

  it('lists sessions with --sessions: roles, handshake, requests and ending', async () => {
    const report = await inspectCapture(join(corpus, 'zeek_tcp_missing-syn.pcap'), { sessions: true });
    const [row] = report.sessions ?? [];
    assert.equal(row.server.endsWith(':80'), true);
    assert.equal(row.handshake, false);
    assert.equal(row.requests, 1);
    assert.ok(row.bytesFromServer > 0);
    const text = renderText(report);
    assert.match(text, /^id\s+client\s+server\s+start\s+duration\s+requests\s+client bytes\s+server bytes/m);
    assert.match(
      text,
      new RegExp(`^ 0 {2}${row.client.replaceAll('.', '\\.')} {2}-> {2}.*:80 .* no {2}`, 'm'),
    );
  });

  it('says who reset a session apart from who closed it first', async () => {
    const report = await inspectCapture(join(corpus, 'zeek_tcp_missing-syn.pcap'), { sessions: true });
    const [row] = report.sessions ?? [];
    const ended = (ending: typeof row.ending, endedBy: typeof row.endedBy, resetBy: typeof row.resetBy) =>
      renderText({ ...report, sessions: [{ ...row, ending, endedBy, resetBy }] });
    assert.match(ended('rst', 'client', 'server'), / fin \(client\), rst \(server\)$/m);
    assert.match(ended('rst', 'server', 'server'), / rst \(server\)$/m);
    assert.match(ended('fin', 'client', null), / fin \(client\)$/m);
  });

  it('leaves packets without a time (pcapng simple packet blocks) out of the capture span', async () => {
    const report = await inspectCapture(join(corpus, 'gopacket_pcapng_be_test202.pcapng'));
    assert.equal(report.startUs, 1340954905298858, 'the first packet with a time, not 1970');
    assert.equal(report.durationUs, 3000);
  });

  it('a capture whose packets all lack a time has no span, and its text says so without failing', async () => {
    const file = join(scratch, 'spb-only.pcapng');
    writeFileSync(
      file,
      Buffer.concat([
        shb(true),
        idb(true, 1, 0),
        spb(true, 4, Buffer.alloc(4)),
        spb(true, 4, Buffer.alloc(4)),
      ]),
    );
    const report = await inspectCapture(file);
    assert.deepEqual([report.packets, report.startUs, report.durationUs], [2, null, 0]);
    assert.match(renderText(report), /^packets\s+2$/m);
  });

  it('counts IPv4 fragments and the datagram they make', async () => {
    const report = await inspectCapture(join(corpus, 'zeek_ipv4_fragmented-4.pcap'));
    assert.ok(report.anomalies.fragments.seen > 0);
    assert.equal(report.anomalies.fragments.reassembled, 1);
    assert.match(renderText(report), /IP fragments\s+4 \(1 datagrams reassembled\)/);
  });

  it('counts non-TCP packets by protocol', { skip: corpusLacks('ndpi_dns_fragmented.pcap') }, async () => {
    const report = await inspectCapture(join(corpus, 'ndpi_dns_fragmented.pcap'));
    assert.ok(report.anomalies.nonTcpPackets > 0);
    assert.ok(report.anomalies.nonTcpByProtocol.udp > 0);
  });

  it('counts payload cut by the snap length as missing client bytes', async () => {
    const report = await inspectCapture(join(corpus, 'zeek_tcp_truncated-header.pcap'));
    assert.ok(report.anomalies.truncatedPayloadSegments > 0);
    assert.equal(report.anomalies.gapBytes, report.tcp.bytesFromClients);
  });

  it('reads a gzip-compressed capture', async () => {
    writeFileSync(join(scratch, 'get.pcap.gz'), gzipSync(readFileSync(join(corpus, 'zeek_http_get.pcap'))));
    const report = await inspectCapture(join(scratch, 'get.pcap.gz'));
    assert.equal(report.compressed, true);
    assert.equal(report.packets, 14);
    assert.equal(report.tcp.sessions, 1);
  });

  it('reports a truncated last record and keeps the packets before it', async () => {
    const original = readFileSync(join(corpus, 'zeek_http_get.pcap'));
    writeFileSync(join(scratch, 'cut.pcap'), original.subarray(0, original.length - 10));
    const report = await inspectCapture(join(scratch, 'cut.pcap'));
    assert.equal(report.packets, 13);
    assert.equal(report.anomalies.truncatedRecords.length, 1);
    assert.match(renderText(report), /capture file\s+at byte \d+: truncated record/);
  });

  it('tells bytes after the gzip data from a truncated record, and where their offset counts', async () => {
    const gzipped = gzipSync(readFileSync(join(corpus, 'zeek_http_get.pcap')));
    writeFileSync(join(scratch, 'trailing.pcap.gz'), Buffer.concat([gzipped, Buffer.from('not gzip')]));
    const report = await inspectCapture(join(scratch, 'trailing.pcap.gz'));
    assert.equal(report.packets, 14);
    assert.deepEqual(report.anomalies.truncatedRecords, []);
    assert.deepEqual(
      report.anomalies.readerWarnings.map((w) => [w.kind, w.offset]),
      [['gzip-trailing-garbage', gzipped.length]],
    );
    assert.match(renderText(report), /compressed file\s+at byte \d+: trailing garbage after the gzip data/);
  });

  it('lists hundreds of thousands of sessions as text, in aligned columns', async () => {
    const report = await inspectCapture(join(corpus, 'zeek_http_get.pcap'), { sessions: true });
    const [row] = report.sessions ?? [];
    const count = 200_000;
    report.sessions = Array.from({ length: count }, (_, id) => ({ ...row, id }));
    const lines = renderText(report).trimEnd().split('\n');
    const table = lines.slice(lines.findIndex((line) => /^ *id {2}client/.test(line)));
    assert.equal(table.length, 1 + count);
    assert.match(table[1], /^ {5}0 {2}141\.142\.228\.5:59856 {2}-> {2}192\.150\.187\.43:80 /);
    assert.equal(table[count].indexOf('->'), table[1].indexOf('->'));
  });

  it('gives bytes each way, server ports and the capture duration', async () => {
    const report = await inspectCapture(join(corpus, 'zeek_http_methods.pcap'));
    assert.deepEqual(report.tcp.serverPorts, [{ port: 80, sessions: 49 }]);
    assert.ok(report.tcp.bytesFromClients > 0 && report.tcp.bytesFromServers > 0);
    assert.ok(report.durationUs > 0);
    assert.deepEqual(report.linkTypes, [{ linkType: 1, name: 'ETHERNET', packets: 655 }]);
  });
});
