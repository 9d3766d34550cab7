/** `replay -M/-D` through the real CLI: an MSS that cannot fit the MTU is refused up front. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { corpusFile } from '../helpers/corpus.ts';

const CAPTURE = corpusFile('zeek_http_bro.org.pcap');

/** A raw replay toward an intercept port nobody listens on: if the flags pass, that is what fails. */
function replayRaw(target: string, ...flags: string[]) {
  return runCli(['replay', CAPTURE, '-x', `80-${target}`, '-s', '127.0.0.1:9', '--no-tui', ...flags], {
    timeoutMs: 30_000,
  });
}

describe('replay -M/-D', () => {
  it('refuses -D larger than -M minus 40, naming both flags and the largest MSS allowed', async () => {
    const run = await replayRaw('127.0.0.1:2525', '-M', '1000', '-D', '1500');
    assert.equal(run.code, 2, run.stderr);
    assert.equal(
      run.stderr,
      'reprise: -D 1500 with -M 1000: the MSS must be at most the MTU minus 40 (960)\n',
    );
  });

  it('refuses it one byte over the limit, in either flag order and for an IPv6 target too (raw is IPv4 only)', async () => {
    const run = await replayRaw('[::1]:2525', '-D', '961', '-M', '1000');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^reprise: -D 961 with -M 1000: .* \(960\)$/m);
  });

  const notRoot =
    process.getuid?.() !== 0 && 'needs root: the raw transport opens a raw socket before it calls intercept';
  it('accepts an MSS that fits, and either flag alone (the run then fails on the absent intercept)', {
    skip: notRoot,
  }, async () => {
    for (const flags of [
      ['-M', '1000', '-D', '960'],
      ['-D', '1500'],
      ['-M', '576'],
    ]) {
      const run = await replayRaw('127.0.0.1:2525', ...flags);
      assert.match(run.stderr, /^reprise: -s: cannot reach intercept at 127\.0\.0\.1:9/, flags.join(' '));
    }
  });

  it('still checks each value on its own', async () => {
    const run = await replayRaw('127.0.0.1:2525', '-M', '500', '-D', '400');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /-M: '500' is not a whole number from 576 to 65535/);
  });
});
