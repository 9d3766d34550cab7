// `reprise intercept` capturing on a device that goes away while replayers are connected (a
// container's veth deleted, an interface renamed): a clear message, the totals, exit code 1, and
// the replayers told by a closed connection, rather than a stack trace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  finished,
  type HostWithDevice,
  hostWithDevice,
  skipWithoutNetns,
  waitForOutput,
} from '../helpers/netns.ts';

const skip = skipWithoutNetns('intercept device-gone e2e');

const PORT = 36531;
const REPLAYER = `
  const net = require('node:net');
  const s = net.connect({ host: '127.0.0.1', port: ${PORT} }, () => {
    s.write(Buffer.from([0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0]));
    console.log('connected');
  });
  s.on('error', () => {});
  s.on('close', () => console.log('told: connection closed'));
`;

describe('reprise intercept when its capture device goes away', { skip }, () => {
  let group: HostWithDevice | undefined;
  before(() => {
    group = hostWithDevice('icptgone', 'rpcap0');
  });
  after(() => group?.close());

  it('says which capture failed, prints its totals, tells the replayers and exits 1', async () => {
    const g = group!;
    const ns = g.ns;
    const intercept = g.spawn(ns, process.execPath, [
      'bin/reprise.js',
      'intercept',
      '-i',
      'rpcap0',
      '-F',
      'tcp and src port 8080',
      '-b',
      '127.0.0.1',
      '-p',
      String(PORT),
      '--no-tui',
    ]);
    const done = finished(intercept);
    await waitForOutput(intercept, 'intercept listening', 60_000);
    const replayer = g.spawn(ns, process.execPath, ['-e', REPLAYER]);
    const replayerDone = finished(replayer);
    await waitForOutput(intercept, /replayer 127\.0\.0\.1:\d+ connected/);

    g.run(ns, 'ip', ['link', 'del', 'rpcap0']);
    const { code, stderr } = await done;
    assert.equal(code, 1, stderr);
    assert.match(stderr, /reprise: capture on 'rpcap0' failed: .*; intercept stopped/);
    assert.match(stderr, /intercept stopped after [\d.]+ s\n {2}captured 0, routed 0/);
    assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
    assert.match((await replayerDone).stdout, /told: connection closed/);
  });
});
