import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRecordingPath, rotatedPath } from '../../src/record/file-names.ts';

describe('recording file names', () => {
  const start = new Date(Date.UTC(2026, 10, 21, 21, 30, 0, 123));

  it('names a default recording after device, filter port and start time (UTC)', () => {
    assert.equal(
      defaultRecordingPath('eth0', 'tcp port 8080', start),
      'recordings/eth0-port8080-20261121T213000Z.pcap',
    );
  });

  it('leaves the port out when the filter names none, and makes odd device names safe', () => {
    assert.equal(defaultRecordingPath('any', '', start), 'recordings/any-20261121T213000Z.pcap');
    assert.equal(defaultRecordingPath('a/b', 'host 10.0.0.1', start, 'out'), 'out/a_b-20261121T213000Z.pcap');
  });

  it('numbers rotated files before the extension so that they sort in order', () => {
    assert.equal(rotatedPath('/tmp/rec.pcap', 1), '/tmp/rec.0001.pcap');
    assert.equal(rotatedPath('/tmp/rec.pcap', 12345), '/tmp/rec.12345.pcap');
    assert.equal(rotatedPath('rec', 2), 'rec.0002');
  });
});
