/**
 * Raw replay over a lossy network: nftables on the replay host and on the target drops a share of
 * every TCP packet each sends (the replayer's spoofed segments, the target's answers, and the
 * control link to intercept too). The session engine must retransmit its way through: every
 * captured request reaches the target exactly once and every session completes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { runIn, skipWithoutNetns } from '../helpers/netns.ts';
import { syntheticCapture, tempDir } from '../helpers/synthetic.ts';
import {
  CORPUS,
  capturedHttpRequests,
  HTTP_TO_TARGET,
  type HttpReplayHosts,
  requestLines,
  runReplay,
  startHttpReplayHosts,
} from './raw-harness.ts';

const DROP_PERCENT = 5;

function skipReason(): string | undefined {
  const netns = skipWithoutNetns('raw replay under packet loss');
  if (netns) return netns;
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'raw replay under packet loss: nft (apt package nftables) is not installed';
  }
}

/** Drops DROP_PERCENT% of the TCP packets the host sends, at random; returns how many it dropped so far. */
function dropSomeTcp(ns: string): () => number {
  runIn(ns, 'nft', ['add', 'table', 'inet', 'rp_loss']);
  runIn(ns, 'nft', ['add chain inet rp_loss out { type filter hook output priority 0; }']);
  runIn(ns, 'nft', [
    `add rule inet rp_loss out meta l4proto tcp numgen random mod 100 < ${DROP_PERCENT} counter drop`,
  ]);
  return () =>
    Number(/counter packets (\d+)/.exec(runIn(ns, 'nft', ['list', 'table', 'inet', 'rp_loss']))?.[1]);
}

describe(`raw replay with ${DROP_PERCENT}% of TCP packets dropped each way`, {
  skip: skipReason(),
  timeout: 240_000,
}, () => {
  const temp = tempDir('rp-loss-');
  let replayHosts: HttpReplayHosts | undefined;
  let droppedByReplay: () => number;
  let droppedByTarget: () => number;

  before(async () => {
    replayHosts = await startHttpReplayHosts('rawloss');
    droppedByReplay = dropSomeTcp(replayHosts.hosts.replay);
    droppedByTarget = dropSomeTcp(replayHosts.hosts.target);
  });
  after(async () => {
    await replayHosts?.hosts.close();
    temp.cleanup();
  });

  for (const [name, capture] of [
    ['zeek_http_bro.org.pcap', async () => `${CORPUS}/zeek_http_bro.org.pcap`],
    [
      'a synthetic capture of 300 requests, keep-alive and one per connection, client ports reused',
      () =>
        syntheticCapture(
          `${temp.path}/mixed.pcap`,
          { sessions: 40, requestsPerSession: 5, sessionSpacingMs: 5, thinkTimeMs: 2 },
          // Ten seconds later, on the same client addresses and ports, as clients reuse them: at
          // --speed max these sessions follow the first ones at once, where a lost final RST
          // leaves the target holding the tuple.
          {
            sessions: 100,
            requestsPerSession: 1,
            sessionSpacingMs: 2,
            seed: 7,
            startUs: 1_700_000_010_000_000,
          },
        ),
    ],
  ] as const) {
    it(`delivers every request of ${name} exactly once and completes every session`, async () => {
      const { hosts, target } = replayHosts!;
      const path = await capture();
      const expected = await capturedHttpRequests(path, 80);
      const loggedBefore = target.requests().length;
      const dropsBefore = droppedByReplay() + droppedByTarget();
      const result = await runReplay(hosts, { captures: [path], ...HTTP_TO_TARGET, sessionTimeoutS: 60 });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(requestLines(target.requests().slice(loggedBefore)), expected, result.stderr);
      const unfinished = result.sessions.filter((s) => s.outcome !== 'completed');
      assert.deepEqual(unfinished, [], 'every session completes');
      assert.ok(
        droppedByReplay() + droppedByTarget() > dropsBefore,
        'the run lost packets (else it tested nothing)',
      );
    });
  }
});
