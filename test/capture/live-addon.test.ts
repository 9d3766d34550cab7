import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadAddonFrom, problemOf } from '../../src/capture/live-addon.ts';
import { LiveCaptureError } from '../../src/capture/live-error.ts';

describe('loading the libpcap addon', () => {
  it('says what to install when the addon is not built', () => {
    assert.throws(
      () => loadAddonFrom(['/nonexistent/reprise_pcap.node']),
      (err: unknown) =>
        err instanceof LiveCaptureError &&
        err.problem === 'unavailable' &&
        /not built/.test(err.message) &&
        /libpcap-dev/.test(err.message) &&
        /scripts\/setup\.sh/.test(err.message),
    );
  });

  it('names the file and the loader error when the addon does not load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reprise-addon-'));
    try {
      const broken = join(dir, 'reprise_pcap.node');
      writeFileSync(broken, 'not a shared object');
      assert.throws(
        () => loadAddonFrom(['/nonexistent/reprise_pcap.node', broken]),
        (err: unknown) =>
          err instanceof LiveCaptureError &&
          err.problem === 'unavailable' &&
          err.message.includes(broken) &&
          /did not load/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps the addon error codes to problems, and anything else to a failed open', () => {
    const coded = (code: unknown) => Object.assign(new Error('x'), { code });
    assert.equal(problemOf(coded('no-privilege')), 'no-privilege');
    assert.equal(problemOf(coded('bad-filter')), 'bad-filter');
    assert.equal(problemOf(coded('ERR_SOMETHING')), 'open-failed');
    assert.equal(problemOf(new Error('plain')), 'open-failed');
  });
});
