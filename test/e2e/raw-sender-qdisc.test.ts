/**
 * The raw sender against a link that cannot keep up (a token-bucket qdisc at 10 Mbit/s on the
 * sending veth, in namespaces of this test's own): the kernel refuses packets with ENOBUFS, and
 * every one is sent again until it goes, none is counted as sent while the qdisc dropped it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTwoHosts, finished, skipWithoutNetns, type TwoHosts } from '../helpers/netns.ts';

const skip = skipWithoutNetns('raw sender against a slow qdisc');

describe('raw sender: a full qdisc', { skip }, () => {
  let hosts: TwoHosts;
  before(() => {
    hosts = buildTwoHosts('rawq');
    hosts.run(hosts.client, 'tc', [
      'qdisc',
      'add',
      'dev',
      hosts.clientDevice,
      'root',
      'tbf',
      'rate',
      '10mbit',
      'burst',
      '10kb',
      'limit',
      '20kb',
    ]);
  });
  after(() => hosts?.close());

  it('retries what the kernel had no room for: every packet leaves, none is lost', async () => {
    const COUNT = 4000;
    const child = hosts.spawn(hosts.client, process.execPath, [
      '--import',
      'tsx',
      join(import.meta.dirname, 'raw-sender-blast.ts'),
      hosts.clientIp,
      hosts.serverIp,
      String(COUNT),
      '300',
    ]);
    const { code, stdout, stderr } = await finished(child);
    assert.equal(code, 0, stderr);
    const stats = JSON.parse(stdout) as { sent: number; failed: number; retried: number };
    assert.equal(stats.sent, COUNT);
    assert.equal(stats.failed, 0);
    assert.ok(stats.retried > 0, 'the qdisc never pushed back: the test did not test anything');
    // The last packets may still wait in the rate-limited qdisc's backlog: read once it is empty.
    let qdisc = '';
    for (let tries = 0; tries < 40; tries++) {
      qdisc = hosts.run(hosts.client, 'tc', ['-s', 'qdisc', 'show', 'dev', hosts.clientDevice]);
      if (/backlog 0b 0p/.test(qdisc)) break;
      await sleep(50);
    }
    const sentByQdisc = Number(/Sent \d+ bytes (\d+) pkt/.exec(qdisc)?.[1]);
    assert.ok(sentByQdisc >= COUNT, `the qdisc passed ${sentByQdisc} packets:\n${qdisc}`);
  });
});
