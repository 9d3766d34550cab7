import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type HttpHosts,
  httpRequests,
  startHttpHosts,
  startRecorder,
  tcpdumpRead,
} from '../helpers/capture-hosts.ts';
import { finished, skipWithoutNetns } from '../helpers/netns.ts';

const skip = skipWithoutNetns('reprise record rotation tests');

const FILE_BYTES = 2000;
const PACKETS = 80;

describe('reprise record -C/-W rotation', { skip }, () => {
  let hosts: HttpHosts;
  before(async () => {
    hosts = await startHttpHosts('rot', [8080]);
  });
  after(() => hosts?.close());

  async function recordRotating(name: string, extra: string[]) {
    const out = join(hosts.dir, name);
    mkdirSync(out);
    const limits = ['-C', String(FILE_BYTES / 1e6), '-c', String(PACKETS)];
    const recorder = await startRecorder(hosts, join(out, 'rec.pcap'), [
      ...limits,
      ...extra,
      'tcp port 8080',
    ]);
    const done = finished(recorder);
    httpRequests(hosts, 8080, 20);
    const run = await done;
    assert.equal(run.code, 0, run.stderr);
    const files = readdirSync(out).sort();
    return { run, out, files };
  }

  function checkFile(path: string): number {
    const size = statSync(path).size;
    assert.ok(size <= FILE_BYTES, `${path} is ${size} bytes, over the ${FILE_BYTES} limit`);
    const read = tcpdumpRead(path);
    assert.doesNotMatch(read.stderr, /truncated/);
    assert.ok(read.lines.length > 0, `${path} holds no packet`);
    return read.lines.length;
  }

  it('splits the recording into numbered files under the size limit, each valid, none lost', async () => {
    const { run, out, files } = await recordRotating('all', []);
    const written = Number(/in (\d+) files/.exec(run.stderr)?.[1]);
    assert.ok(written >= 4, `expected several files, the summary says ${written}`);
    assert.deepEqual(
      files,
      Array.from({ length: written }, (_, i) => `rec.${String(i + 1).padStart(4, '0')}.pcap`),
    );
    const packets = files.map((f) => checkFile(join(out, f)));
    assert.equal(
      packets.reduce((a, b) => a + b, 0),
      PACKETS,
    );
  });

  it('keeps only the newest -W files as a ring', async () => {
    const { run, out, files } = await recordRotating('ring', ['-W', '3']);
    const written = Number(/in (\d+) files/.exec(run.stderr)?.[1]);
    assert.ok(written > 3, `the ring never wrapped: ${written} files`);
    assert.deepEqual(
      files,
      [written - 2, written - 1, written].map((n) => `rec.${String(n).padStart(4, '0')}.pcap`),
    );
    for (const f of files) checkFile(join(out, f));
    assert.match(run.stderr, new RegExp(`${written - 3} oldest deleted by the ring, 3 kept`));
  });
});
