/**
 * record and intercept capture on the same hosts: the device and the kernel buffer take the same
 * flags and units in both (-i, --interface; -B, --buffer-size in KiB, as tcpdump's), and a bad
 * value names the flag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';

describe('record and intercept: one set of capture flags', () => {
  for (const command of ['record', 'intercept']) {
    it(`${command} --help offers -i, --interface and -B, --buffer-size <KiB>`, async () => {
      const help = await runCli([command, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /-i, --interface <device>/);
      assert.match(help.stdout, /-B, --buffer-size <KiB>/);
    });

    it(`${command} -B beyond libpcap's int of bytes: exit 2, naming -B`, async () => {
      const args =
        command === 'record' ? ['-i', 'lo', '-B', '2097152'] : ['-i', 'lo', '-F', 'tcp', '-B', '2097152'];
      const run = await runCli([command, ...args, '--no-tui'], { timeoutMs: 20_000 });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^reprise: -B: '2097152' is not a whole number from 1 to 2097151\n$/);
    });
  }
});
