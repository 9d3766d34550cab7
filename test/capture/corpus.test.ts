/**
 * Every file of the shared corpus (real captures written by other tools) must open and yield
 * the manifest's packet count, and the same records libpcap reads from it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CORPUS_DIR } from '../helpers/corpus.ts';
import { readBack, TempDir } from './build.ts';

const CORPUS = CORPUS_DIR;
const PACKETS_COLUMN = 7;

interface CorpusFile {
  name: string;
  packets: number;
}

function corpusFiles(): CorpusFile[] {
  const lines = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const columns = line.split('\t');
    return { name: columns[0], packets: Number(columns[PACKETS_COLUMN]) };
  });
}

const hasCorpus = existsSync(join(CORPUS, 'MANIFEST.tsv'));
const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;
const tmp = new TempDir();
after(() => tmp.remove());

describe('shared corpus', { skip: hasCorpus ? false : `no corpus at ${CORPUS}` }, () => {
  const files = hasCorpus ? corpusFiles() : [];

  it('has the files the manifest lists, and no other (61 in the shared corpus)', () => {
    assert.deepEqual(files.map((f) => f.name).sort(), readdirSync(join(CORPUS, 'files')).sort());
    if (CORPUS.endsWith(join('shared', 'corpus'))) assert.equal(files.length, 61);
  });

  for (const { name, packets } of files) {
    it(`${name}: ${packets} packets, no warnings`, async () => {
      const { reader, records } = await readBack(join(CORPUS, 'files', name));
      assert.equal(records.length, packets);
      assert.deepEqual(reader.warnings, []);
    });
  }

  it('gopacket_pcapng_be_test202: 8 packets in 3 sections of both byte orders with 5 interfaces', async () => {
    // tshark's crosscheck says pkts=11, the manifest says 8. Walking the blocks of the file:
    // section 1 (big-endian) holds 3 EPBs, section 2 (little-endian) 2 SPBs and 2 EPBs, section
    // 3 (big-endian) 1 EPB: 8 packets. The other 3 "records" tshark counts are the file's custom
    // blocks (types 0x00000BAD and 0x40000BAD), which Wireshark lists as records of their own;
    // they carry no packet, so 8 is right.
    const { reader, records } = await readBack(join(CORPUS, 'files/gopacket_pcapng_be_test202.pcapng'));
    assert.deepEqual(
      reader.interfaces.map((i) => [i.linkType, i.snapLength, i.name]),
      [
        [1, 96, 'eth0'],
        [0, 0, 'null1'],
        [1, 128, 'silly ethernet interface 2'],
        [1, 96, 'eth0'],
        [0, 0, 'null1'],
      ],
    );
    // Interface ids restart per section; record.interfaceId indexes reader.interfaces.
    // The SPBs (no timestamp: the time of the packet before) are cut to interface 0's snap length:
    // 128 of 314 bytes.
    assert.deepEqual(
      records.map((r) => [r.fileOffset, r.interfaceId, r.linkType, r.tsSec, r.data.length, r.originalLength]),
      [
        [0x1c0, 0, 1, 1340954905, 96, 314],
        [0x258, 0, 1, 1340954905, 96, 342],
        [0x2d8, 1, 0, 1340954905, 168, 168],
        [0x454, 2, 1, 1340954905, 128, 314],
        [0x4e4, 2, 1, 1340954905, 128, 342],
        [0x720, 2, 1, 1340954905, 128, 314],
        [0x7b0, 2, 1, 1340954905, 128, 342],
        [0xa94, 4, 0, 1340954905, 168, 168],
      ],
    );
  });

  it("reads nanosecond and big-endian files with libpcap's timestamps", async () => {
    const nano = await readBack(join(CORPUS, 'files/tcpdump_tcp-handshake-nano.pcap'));
    assert.deepEqual(
      nano.records.map((r) => [r.tsSec, r.tsNsec]),
      [
        [1418145369, 924505488],
        [1418145370, 52027262],
        [1418145370, 52115157],
      ],
    );
    const big = await readBack(join(CORPUS, 'files/zeek_smb_dssetup_bigendian.cap'));
    assert.deepEqual([big.records[0].tsSec, big.records[0].tsNsec], [1073392738, 144777000]);
  });

  describe('records equal those libpcap reads', {
    skip: hasTcpdump ? false : 'tcpdump is not installed',
  }, () => {
    for (const { name } of files) {
      it(name, async (t) => {
        const source = join(CORPUS, 'files', name);
        const copy = join(tmp.path, `${name}.copy.pcap`);
        const run = spawnSync('tcpdump', ['--time-stamp-precision=nano', '-r', source, '-w', copy]);
        if (run.status !== 0) {
          // libpcap reads one link type per file: test202 mixes Ethernet and NULL interfaces.
          t.skip(`libpcap cannot read it: ${run.stderr.toString().trim().split('\n').pop()}`);
          return;
        }
        const ours = await readBack(source);
        const theirs = await readBack(copy);
        assert.equal(ours.records.length, theirs.records.length);
        ours.records.forEach((r, i) => {
          const o = theirs.records[i];
          assert.deepEqual(
            [r.tsSec, r.tsNsec, r.originalLength, r.linkType, r.data.toString('hex')],
            [o.tsSec, o.tsNsec, o.originalLength, o.linkType, o.data.toString('hex')],
            `record ${i}`,
          );
        });
      });
    }
  });
});
