import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readSessions } from '../../src/flow/pipeline.ts';
import { capturedSessions, clientBytes } from '../helpers/captured.ts';
import { lineProtocolCapture } from '../helpers/line-capture.ts';
import {
  ASSIST_IP,
  buildTestHosts,
  skipWithoutNetns,
  TARGET_IP,
  type TestHosts,
  waitForOutput,
} from '../helpers/netns.ts';
import { tempDir } from '../helpers/synthetic.ts';
import {
  CORPUS,
  capturedHttpRequests,
  HTTP_TO_TARGET,
  requestLines,
  runReplay,
  startHttpReplayHosts,
  startIntercept,
} from './raw-harness.ts';

const skip = skipWithoutNetns('raw transport e2e');

describe('raw replay variants', { skip, timeout: 240_000 }, () => {
  const built: TestHosts[] = [];
  after(async () => {
    for (const h of built) await h.close();
  });

  it('intercept on the target: the pool routed into a black-hole device, intercept capturing there', async () => {
    const { hosts, target } = await startHttpReplayHosts('rawontgt', { interceptOnTarget: true });
    built.push(hosts);
    const capture = `${CORPUS}/zeek_http_bro.org.pcap`;
    const result = await runReplay(hosts, {
      captures: [capture],
      ...HTTP_TO_TARGET,
      intercepts: TARGET_IP,
      clientIps: '10.78.0.10-10.78.0.20',
      speed: 'max',
    });
    assert.deepEqual(requestLines(target.requests()), await capturedHttpRequests(capture, 80), result.stderr);
    for (const r of target.requests()) {
      const last = Number(r.address.split('.')[3]);
      assert.ok(r.address.startsWith('10.78.0.') && last >= 10 && last <= 20, r.address);
    }
    assert.ok(
      result.sessions.every((s) => s.outcome === 'completed'),
      JSON.stringify(result.sessions),
    );
  });

  it('Redis: the bulk-loading capture sets exactly its keys on a real redis-server', async () => {
    const hosts = buildTestHosts('rawredis');
    built.push(hosts);
    const redis = hosts.spawn(hosts.target, 'redis-server', [
      '--port',
      '6379',
      '--bind',
      '0.0.0.0',
      '--protected-mode',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    await waitForOutput(redis, 'Ready to accept connections');
    await startIntercept(hosts, hosts.assist, 'tcp and src port 6379');
    const capture = `${CORPUS}/zeek_redis_bulk-loading.pcap`;
    const keys = await capturedRedisSetKeys(capture);
    assert.ok(keys.length > 10, `captured SET keys: ${keys.length}`);
    const result = await runReplay(hosts, {
      captures: [capture],
      transfer: `6379-${TARGET_IP}:6379`,
      intercepts: ASSIST_IP,
      clientIps: '10.78.0.x',
      speed: 'max',
    });
    assert.deepEqual(
      result.sessions.map((s) => s.outcome),
      ['completed'],
      result.stderr,
    );
    const cli = (...args: string[]) => hosts.run(hosts.target, 'redis-cli', ['-p', '6379', ...args]).trim();
    assert.equal(Number(cli('DBSIZE')), keys.length);
    assert.deepEqual(cli('--raw', 'KEYS', '*').split('\n').sort(), keys);

    // A subscriber that held its connection 3 s after SUBSCRIBE in the capture: the replay holds it
    // as long (its FIN waits for the captured close), and gets what is published meanwhile.
    const dir = tempDir('rp-rawsub-');
    try {
      const subscribed = '*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n';
      const subscriber = await lineProtocolCapture(
        join(dir.path, 'subscriber.pcap'),
        6379,
        [['*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nnews\r\n', subscribed]],
        { holdUs: 3_000_000 },
      );
      const replaying = runReplay(hosts, {
        captures: [subscriber],
        transfer: `6379-${TARGET_IP}:6379`,
        intercepts: ASSIST_IP,
        clientIps: '10.78.0.x',
        speed: 1,
      });
      await sleep(1500);
      assert.equal(cli('PUBLISH', 'news', 'hello'), '1', 'the replayed subscriber is still there');
      const replayed = await replaying;
      const [session] = replayed.report.sessions;
      assert.equal(session?.outcome, 'completed', session?.reason);
      const message = '*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n';
      assert.equal(session.bytesReceived, subscribed.length + message.length);
    } finally {
      dir.cleanup();
    }
  });

  it('POP3, where the server speaks first: each first command goes after the target greeted', async () => {
    const hosts = buildTestHosts('rawgreet');
    built.push(hosts);
    const greeter = hosts.spawn(hosts.target, process.execPath, [
      '--import',
      'tsx',
      fileURLToPath(new URL('./raw-greeting-server.ts', import.meta.url)),
      '110',
      '150',
    ]);
    let lines = '';
    greeter.stdout?.on('data', (d: Buffer) => {
      lines += d.toString();
    });
    await waitForOutput(greeter, 'listening on 110');
    await startIntercept(hosts, hosts.assist, 'tcp and src port 110');
    const capture = `${CORPUS}/zeek_pop3.pcap`;
    const greeted = (await capturedSessions(capture)).filter(
      (s) => s.server.port === 110 && s.greetingBytes > 0 && s.requests.length > 0,
    );
    assert.ok(greeted.length >= 4, `sessions that greet: ${greeted.length}`);
    const result = await runReplay(hosts, {
      captures: [capture],
      transfer: `110-${TARGET_IP}:110`,
      intercepts: ASSIST_IP,
      clientIps: '10.78.0.x',
      speed: 'max',
    });
    const connections = lines
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as { remote: string; greetedAtMs?: number; firstByteAtMs?: number; bytes: string },
      );
    for (const session of greeted) {
      const replayed = result.sessions.find((s) => s.id === session.id);
      assert.equal(
        replayed?.outcome,
        'completed',
        `session ${session.id}: ${replayed?.reason} ${result.stderr}`,
      );
      const conn = connections.find((c) => c.remote === replayed?.replayedFrom);
      assert.ok(conn?.greetedAtMs !== undefined && conn.firstByteAtMs !== undefined, JSON.stringify(conn));
      assert.ok(
        conn.firstByteAtMs >= conn.greetedAtMs,
        `session ${session.id}: a command before the greeting`,
      );
      assert.ok(
        Buffer.from(conn.bytes, 'base64').equals(clientBytes(session)),
        `session ${session.id}: its commands`,
      );
      // Bytes received hold the greeting too, not only the answers (as over the socket transport).
      const reported = result.report.sessions.find((s) => s.sessionId === session.id);
      const answers = reported?.requests.reduce((sum, r) => sum + (r.responseBytes ?? 0), 0) ?? 0;
      assert.equal(
        reported?.bytesReceived,
        GREETING.length + answers,
        `session ${session.id}: bytes received`,
      );
    }
  });
});

/** What test/helpers/late-greeter.ts greets each connection with. */
const GREETING = '+OK POP3 server ready\r\n';

/** The distinct keys of the SET commands the capture's client sent (RESP arrays), sorted. */
async function capturedRedisSetKeys(path: string): Promise<string[]> {
  const chunks: Buffer[] = [];
  await readSessions(
    path,
    {
      requestCompleted: (_s, r) => {
        chunks.push(r.data);
      },
    },
    { keepPayload: true },
  );
  const keys = new Set<string>();
  const text = Buffer.concat(chunks).toString('latin1');
  const command = /\*(\d+)\r\n/g;
  for (let m = command.exec(text); m; m = command.exec(text)) {
    const args: string[] = [];
    let at = m.index + m[0].length;
    for (let i = 0; i < Number(m[1]); i++) {
      const bulk = /^\$(\d+)\r\n/.exec(text.slice(at, at + 20));
      if (!bulk) break;
      const start = at + bulk[0].length;
      args.push(text.slice(start, start + Number(bulk[1])));
      at = start + Number(bulk[1]) + 2;
    }
    if (args[0]?.toUpperCase() === 'SET' && args.length >= 3) keys.add(args[1]);
    command.lastIndex = at;
  }
  return [...keys].sort();
}
