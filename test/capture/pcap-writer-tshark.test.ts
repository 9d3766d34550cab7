/**
 * The pcap writer against Wireshark's reader: tshark rewrites our files (µs and ns) with the
 * very same records, and reads the same timestamps and lengths (tcpdump: pcap-writer.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createPcapWriter } from '../../src/capture/index.ts';
import { readBack, TempDir } from './build.ts';

const tmp = new TempDir();
after(() => tmp.remove());
const skip =
  spawnSync('tshark', ['--version']).status === 0
    ? false
    : 'tshark is not installed (scripts/setup.sh installs it as root)';

describe('pcap writer read by tshark', { skip }, () => {
  for (const nano of [false, true]) {
    it(`${nano ? 'nanosecond' : 'microsecond'} pcap: tshark sees the same records`, async () => {
      const path = join(tmp.path, `tshark-${nano}.pcap`);
      const writer = createPcapWriter(path, { linkType: 1, snapLength: 200, nanosecond: nano });
      const packets = Array.from({ length: 300 }, (_, i) => {
        const data = Buffer.alloc(54 + ((i * 53) % 300), (i * 7) & 0xff);
        data.writeUInt16BE(0x0800, 12);
        return { tsSec: 1_700_000_000 + i * 3, tsNsec: (i * 987_654_321) % 1e9, data };
      });
      for (const p of packets) writer.write(p.tsSec, p.tsNsec, p.data);
      await writer.close();

      // tshark rewrites the file in the same format: every record must come back unchanged.
      const copy = join(tmp.path, `tshark-copy-${nano}.pcap`);
      const rewrite = spawnSync('tshark', ['-r', path, '-F', nano ? 'nsecpcap' : 'pcap', '-w', copy]);
      assert.equal(rewrite.status, 0, rewrite.stderr.toString());
      assert.deepEqual((await readBack(copy)).records, (await readBack(path)).records);

      // And its view of each record: epoch time, length on the wire, captured length.
      const fields = spawnSync(
        'tshark',
        ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len'],
        { encoding: 'utf8' },
      );
      assert.equal(fields.status, 0, fields.stderr);
      const rows = fields.stdout.trim().split('\n');
      assert.equal(rows.length, packets.length);
      rows.forEach((row, i) => {
        const [epoch, len, capLen] = row.split('\t');
        const p = packets[i];
        const fraction = nano
          ? String(p.tsNsec).padStart(9, '0')
          : String(Math.floor(p.tsNsec / 1000)).padStart(6, '0');
        assert.equal(
          epoch.replace(/0+$/, ''),
          `${p.tsSec}.${fraction}`.replace(/0+$/, ''),
          `record ${i} time`,
        );
        assert.equal(Number(len), p.data.length);
        assert.equal(Number(capLen), Math.min(p.data.length, 200));
      });
    });
  }
});
