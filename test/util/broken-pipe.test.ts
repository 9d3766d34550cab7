import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { isToldStdoutError, stdoutErrorListener } from '../../src/util/broken-pipe.ts';

function stderrSink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => {
    text += chunk;
  });
  return { stream, text: () => text };
}

describe('stdout write errors', () => {
  const exitCodeBefore = process.exitCode;
  afterEach(() => {
    // The listener fails the process it runs in: not this test run.
    process.exitCode = exitCodeBefore;
  });

  it('a full disk under stdout is one line on stderr and a failed command, not a throw', {
    skip: existsSync('/dev/full') ? false : 'no /dev/full',
  }, async () => {
    const stderr = stderrSink();
    const listener = stdoutErrorListener(stderr.stream);
    const out = createWriteStream('/dev/full');
    out.on('error', listener);
    out.write('a report line\n');
    const [error] = (await once(out, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ENOSPC');
    // Later writes fail too: still one line.
    listener(error);
    listener(Object.assign(new Error('write EIO'), { code: 'EIO' }));
    assert.equal(stderr.text(), 'reprise: cannot write to stdout (ENOSPC)\n');
    assert.equal(process.exitCode, 1);
    assert.equal(isToldStdoutError(error), true, 'a command rejecting with it has nothing to add');
    assert.equal(isToldStdoutError(new Error('something else')), false);
  });

  it('a reader that went away (EPIPE) is no failure and says nothing', () => {
    const stderr = stderrSink();
    const listener = stdoutErrorListener(stderr.stream);
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    listener(epipe);
    assert.equal(stderr.text(), '');
    assert.equal(process.exitCode, exitCodeBefore);
    assert.equal(isToldStdoutError(epipe), false);
  });
});
