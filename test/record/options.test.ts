import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SNAP_LENGTH, resolveRecordOptions } from '../../src/record/options.ts';
import { UserError } from '../../src/util/user-error.ts';

const start = new Date(Date.UTC(2026, 10, 21, 21, 30, 0));

describe('resolveRecordOptions', () => {
  it("reads tcpdump's letters in tcpdump's units", () => {
    const options = resolveRecordOptions(
      {
        interface: 'eth0',
        write: 'x.pcap',
        snaplen: '96',
        count: '10',
        duration: '2.5',
        fileSize: '1.5',
        fileCount: '4',
        bufferSize: '2048',
        nano: true,
      },
      ['tcp', 'port', '80'],
      start,
    );
    assert.deepEqual(options, {
      device: 'eth0',
      filter: 'tcp port 80',
      output: 'x.pcap',
      snapLength: 96,
      bufferSize: 2048 * 1024,
      nanosecond: true,
      count: 10,
      durationMs: 2500,
      rotateBytes: 1_500_000,
      ringFiles: 4,
    });
  });

  it('defaults to whole packets on any device, into recordings/ named after device, port and time', () => {
    const options = resolveRecordOptions({ filter: 'port 8080' }, [], start);
    assert.equal(options.device, 'any');
    assert.equal(options.snapLength, DEFAULT_SNAP_LENGTH);
    assert.equal(options.output, 'recordings/any-port8080-20261121T213000Z.pcap');
    assert.equal(resolveRecordOptions({ snaplen: '0' }, [], start).snapLength, DEFAULT_SNAP_LENGTH);
    // Not a snapshot length the capture does not use, claimed in every file's header.
    assert.equal(resolveRecordOptions({ snaplen: '70000000' }, [], start).snapLength, DEFAULT_SNAP_LENGTH);
  });

  it('rejects bad values and combinations with a message naming the flag', () => {
    const cases: Array<[Parameters<typeof resolveRecordOptions>[0], string[], RegExp]> = [
      [{ count: '0' }, [], /-c: '0' is not a whole number from 1 to /],
      [{ count: '1.5' }, [], /-c: '1\.5' is not a whole number/],
      // The kernel buffer is allocated: a typo must not ask for terabytes.
      [{ bufferSize: '99999999999' }, [], /-B: '99999999999' is not a whole number from 1 to 2097151/],
      [{ duration: '-1' }, [], /-G\/--duration: '-1' is not a positive number/],
      [{ fileSize: 'big' }, [], /-C: 'big' is not a positive number/],
      [{ fileCount: '3' }, [], /-W .* needs -C/],
      [{ fileSize: '1', write: '-' }, [], /-C \(rotation\) cannot be used with -w -/],
      [{ filter: 'port 80' }, ['port', '81'], /either with -f or as trailing arguments/],
      // Below 96 bytes no TCP header is kept, and libpcap held such packets unread on a quiet lo.
      [{ snaplen: '20' }, [], /-s needs 0 \(whole packets\) or at least 96 bytes.*got '20'/],
      [{ write: 'out.pcap.gz' }, [], /-w out\.pcap\.gz: record writes uncompressed pcap/],
      [{ write: 'OUT.PCAP.GZ' }, [], /record writes uncompressed pcap/],
      [{ write: 'out.pcapng' }, [], /-w out\.pcapng: record writes pcap, not pcapng; name it \.pcap/],
    ];
    for (const [flags, words, message] of cases) {
      assert.throws(
        () => resolveRecordOptions(flags, words, start),
        (err: unknown) => {
          assert.ok(err instanceof UserError);
          assert.equal(err.exitCode, 2);
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });

  it('takes -C down to one byte and refuses a size that rounds to none, naming -C', () => {
    assert.equal(resolveRecordOptions({ fileSize: '0.000001', write: 'x.pcap' }, [], start).rotateBytes, 1);
    assert.throws(
      () => resolveRecordOptions({ fileSize: '0.0000001', write: 'x.pcap' }, [], start),
      (err: unknown) =>
        err instanceof UserError &&
        err.exitCode === 2 &&
        err.message === "-C needs at least one byte (0.000001 MB), got '0.0000001'",
    );
  });
});
