/**
 * The raw transport's byte count on a server-speaks-first protocol (POP3, from the corpus): the
 * report's bytes received must hold the target's greetings too, as the socket transport's does,
 * so that the two transports (and the capture) agree on what the target sent.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { capturedSessions } from '../helpers/captured.ts';
import {
  ASSIST_IP,
  buildTestHosts,
  skipWithoutNetns,
  TARGET_IP,
  type TestHosts,
  waitForOutput,
} from '../helpers/netns.ts';
import { CORPUS, runReplay, startIntercept } from './raw-harness.ts';

const skip = skipWithoutNetns('raw transport greeting bytes');
const GREETING = '+OK POP3 server ready\r\n'; // what raw-greeting-server.ts greets with

describe('raw replay of a server-speaks-first protocol: bytes received', { skip, timeout: 120_000 }, () => {
  let hosts: TestHosts | undefined;
  after(async () => {
    await hosts?.close();
  });

  it('counts each connection’s greeting in the bytes received', async () => {
    hosts = buildTestHosts('unseen');
    const greeter = hosts.spawn(hosts.target, process.execPath, [
      '--import',
      'tsx',
      fileURLToPath(new URL('./raw-greeting-server.ts', import.meta.url)),
      '110',
      '10',
    ]);
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
    for (const session of greeted) {
      const replayed = result.report.sessions.find((s) => s.sessionId === session.id);
      assert.equal(replayed?.outcome, 'completed', `session ${session.id}: ${replayed?.reason}`);
      const answers = replayed.requests.reduce((sum, r) => sum + (r.responseBytes ?? 0), 0);
      assert.equal(
        replayed.bytesReceived,
        GREETING.length + answers,
        `session ${session.id}: its greeting and its answers`,
      );
    }
  });
});
