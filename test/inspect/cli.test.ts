/** `reprise inspect` run as a user runs it: the real CLI in a child process. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pcapFile } from '../capture/build.ts';
import { CORPUS_FILES } from '../helpers/corpus.ts';
import { ethernet, tcp4 } from '../packet/build.ts';

const root = new URL('../..', import.meta.url).pathname;
const corpus = CORPUS_FILES;
const scratch = mkdtempSync(join(tmpdir(), 'rp-inspect-'));

after(() => rmSync(scratch, { recursive: true, force: true }));

function reprise(...args: string[]) {
  const run = spawnSync(process.execPath, [join(root, 'bin/reprise.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('reprise inspect: bad input is one clear line and exit code 2', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => join(scratch, 'nope.pcap'), /nope\.pcap: no such file/],
    [
      'a directory',
      () => {
        mkdirSync(join(scratch, 'dir.pcap'));
        return join(scratch, 'dir.pcap');
      },
      /dir\.pcap: is a directory/,
    ],
    [
      'an empty file',
      () => {
        writeFileSync(join(scratch, 'empty.pcap'), '');
        return join(scratch, 'empty.pcap');
      },
      /empty\.pcap: not a capture file: the file is empty/,
    ],
    [
      'a text file',
      () => {
        writeFileSync(join(scratch, 'notes.txt'), 'these are notes, not packets\n');
        return join(scratch, 'notes.txt');
      },
      /notes\.txt: at byte 0: not a capture file/,
    ],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => {
      const { code, stdout, stderr } = reprise('inspect', make());
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.equal(stderr.trimEnd().split('\n').length, 1, `one line, got: ${stderr}`);
      assert.match(stderr, /^reprise: /);
      assert.match(stderr, message);
    });
  }
  it('a usage error in any command (a missing argument or option) also exits 2', () => {
    for (const args of [['inspect'], ['replay', 'capture.pcap'], ['intercept', '-F', 'tcp']]) {
      const { code, stderr } = reprise(...args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, /required|missing/);
    }
  });
});

describe('reprise inspect: human output', () => {
  it('summarizes a capture in aligned lines', () => {
    const { code, stdout } = reprise('inspect', join(corpus, 'zeek_http_get.pcap'));
    assert.equal(code, 0);
    assert.match(stdout, /^format\s{2,}pcap$/m);
    assert.match(stdout, /^packets\s{2,}14$/m);
    assert.match(stdout, /^TCP sessions\s{2,}1 \(1 with SYN, 0 without\)/m);
    assert.match(stdout, /^server ports\s{2,}80 \(1 session\)$/m);
    assert.match(stdout, /^requests\s{2,}1$/m);
    assert.match(stdout, /^anomalies: none$/m);
  });
});

describe('reprise inspect: output into a pipe closed early', () => {
  it('stops quietly, with exit code 0, when the reader goes away (| head)', async () => {
    // 5,000 SYNs from as many ports: the session listing is far bigger than a pipe's buffer.
    const syns = Array.from({ length: 5000 }, (_, i) => ({
      tsSec: 1_700_000_000,
      tsNsec: i * 1000,
      data: ethernet(
        0x0800,
        tcp4({ srcPort: 10000 + i, seq: i, ack: 0, flags: 0x02, payload: Buffer.alloc(0) }),
      ),
    }));
    const capture = join(scratch, 'syns.pcap');
    writeFileSync(capture, pcapFile(syns));
    for (const format of [['--json'], []]) {
      const child = spawn(
        process.execPath,
        [join(root, 'bin/reprise.js'), 'inspect', '--sessions', ...format, capture],
        {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      await new Promise((resolve) => child.stdout.once('data', resolve));
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      assert.equal(stderr, '', `${format.join(' ') || 'text'}: ${stderr}`);
      assert.equal(code, 0);
    }
  });
});
