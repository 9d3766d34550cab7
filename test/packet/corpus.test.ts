import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { forEachRecord } from '../../src/capture/index.ts';
import {
  DecodeContext,
  DecodeStatus,
  type DecodeSummary,
  decodeRecord,
  newPacketView,
  tcpOptionsOf,
} from '../../src/packet/index.ts';
import { CORPUS_FILES, corpusLacks } from '../helpers/corpus.ts';

const CORPUS = CORPUS_FILES.slice(0, -1);

interface FileResult {
  summary: DecodeSummary;
  records: number;
  payloadCut: number;
  synOptions: string[];
}

async function decodeFile(name: string): Promise<FileResult> {
  const ctx = new DecodeContext();
  const view = newPacketView();
  let payloadCut = 0;
  const synOptions: string[] = [];
  const { records } = await forEachRecord(`${CORPUS}/${name}`, (record) => {
    if (decodeRecord(record, view, ctx) !== DecodeStatus.TCP) return;
    if (view.payloadLength < view.payloadWireLength) payloadCut++;
    if (view.flags & 0x02) synOptions.push(JSON.stringify(tcpOptionsOf(view)));
  });
  return { summary: ctx.summary(), records, payloadCut, synOptions };
}

describe('decoding the corpus', () => {
  it('decodes every file without a malformed, truncated or unsupported packet', async () => {
    for (const name of readdirSync(CORPUS)) {
      const { summary, records } = await decodeFile(name);
      const { statuses } = summary;
      assert.equal(statuses.MALFORMED + statuses.TRUNCATED + statuses.UNSUPPORTED_LINK, 0, name);
      const total = Object.values(statuses).reduce((a, b) => a + b, 0);
      assert.equal(total, records, `${name}: one status per record`);
    }
  });

  it('finds every TCP packet behind VLAN, QinQ, MPLS, PPPoE, SLL2 and raw IPv4 link layers', async () => {
    const expected: Record<string, number> = {
      'zeek_http-vlan.pcap': 14,
      'zeek_http-qinq.pcap': 14,
      'zeek_mixed-vlan-mpls.pcap': 47,
      'zeek_pppoe-over-qinq.pcap': 86,
      'zeek_tls_openjdk_sll2.pcap': 6,
      'zeek_http_basic-auth_linktype-ipv4.pcap': 12,
      'zeek_ftp_ipv6.pcap': 136,
    };
    for (const [name, tcp] of Object.entries(expected)) {
      assert.equal((await decodeFile(name)).summary.statuses.TCP, tcp, name);
    }
  });

  it('sees the snap length cut in zeek tcp_timestamp (96-byte records) and tcp_truncated-header', async () => {
    const timestamp = await decodeFile('zeek_tcp_timestamp.pcap');
    assert.equal(timestamp.payloadCut, 691);
    const truncated = await decodeFile('zeek_tcp_truncated-header.pcap');
    assert.equal(truncated.summary.statuses.TCP, 24);
    assert.equal(truncated.summary.tcpOptionsCut, 1);
    assert.equal(truncated.synOptions[0], '{}', 'the first SYN has its options cut');
    assert.match(truncated.synOptions[1], /"mss":/);
  });

  it('counts non-TCP traffic by protocol, fragments included (ndpi dns_fragmented)', {
    skip: corpusLacks('ndpi_dns_fragmented.pcap'),
  }, async () => {
    const { summary } = await decodeFile('ndpi_dns_fragmented.pcap');
    assert.equal(summary.statuses.TCP, 20);
    assert.deepEqual(summary.notTcpByProtocol, { 17: 46 });
    assert.ok(summary.fragments.seen > 0);
  });
});
