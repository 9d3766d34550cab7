import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';

function reprise(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/reprise.js', 'intercept', ...args],
      { timeout: 60_000 },
      (err, _out, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
      },
    );
  });
}

describe('reprise intercept: bad input', () => {
  it('requires a BPF filter', async () => {
    const { code, stderr } = await reprise('-i', 'lo');
    assert.notEqual(code, 0);
    assert.match(stderr, /-F, --filter <bpf>/);
  });

  it('names a bad --allow entry', async () => {
    const { code, stderr } = await reprise('-i', 'lo', '-F', 'tcp', '--allow', '10.0.0.0/8,10.1/33');
    assert.equal(code, 2);
    assert.match(stderr, /--allow: "10\.1\/33" is not an IP address or CIDR block/);
  });

  it('lists the devices when the one given does not exist', async () => {
    const { code, stderr } = await reprise(
      '-i',
      'rp-no-such-dev',
      '-F',
      'tcp',
      '-b',
      '127.0.0.1',
      '-p',
      '36599',
    );
    assert.equal(code, 2);
    assert.match(stderr, /no capture device 'rp-no-such-dev'; available: .*\blo\b/);
  });
});
