/**
 * Many short sessions to one target that is not on loopback: every connection the replay closes
 * first waits in TIME_WAIT, and once the replaying host's ephemeral ports are all taken, connect()
 * fails with EADDRNOTAVAIL. The user must be told that in words (local ports used up, what to
 * change), not given Node's raw "connect EADDRNOTAVAIL ... - Local (0.0.0.0:0)".
 * The client namespace gets 32 ephemeral ports so that this happens within seconds.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { syntheticHttpTraffic } from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';
import { buildTwoHosts, finished, skipWithoutNetns, type TwoHosts, waitForOutput } from '../helpers/netns.ts';
import { tempDir } from '../helpers/synthetic.ts';

const BIN = new URL('../../bin/reprise.js', import.meta.url).pathname;
const SESSIONS = 100;
const TARGET_PORT = 8080;

const skip = skipWithoutNetns('ephemeral port exhaustion');
let hosts: TwoHosts | undefined;
let dir: ReturnType<typeof tempDir>;
let capture: string;

before(async () => {
  dir = tempDir('reprise-scale-ports-');
  capture = join(dir.path, 'short.pcap');
  await writeSyntheticCapture(
    capture,
    syntheticHttpTraffic({
      sessions: SESSIONS,
      requestsPerSession: 1,
      sessionSpacingMs: 1,
      thinkTimeMs: 1,
      serverLatencyMs: 1,
      rttMs: 0.2,
    }),
  );
});

after(async () => {
  await hosts?.close();
  dir?.cleanup();
});

const KEEP_ALIVE_SERVER = `require('net').createServer((s) => {
  s.on('error', () => {});
  s.on('data', () => s.write('HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok'));
}).listen(${TARGET_PORT}, process.argv[1], () => console.log('listening'));`;

interface SessionLine {
  outcome: string;
  reason?: string;
}

test('a replay that runs out of local ports says so in words', {
  skip,
}, async () => {
  hosts = buildTwoHosts('scaleports');
  hosts.run(hosts.client, 'sysctl', ['-q', '-w', 'net.ipv4.ip_local_port_range=40000 40031']);
  const server = hosts.spawn(hosts.server, process.execPath, ['-e', KEEP_ALIVE_SERVER, hosts.serverIp]);
  await waitForOutput(server, 'listening');
  const report = join(dir.path, 'run.json');
  const replay = hosts.spawn(hosts.client, process.execPath, [
    BIN,
    'replay',
    capture,
    '-x',
    `80-${hosts.serverIp}:${TARGET_PORT}`,
    '--speed',
    'max',
    '--no-tui',
    '--report',
    report,
  ]);
  const result = await finished(replay);
  assert.equal(result.code, 0, result.stderr);
  const sessions = JSON.parse(readFileSync(report, 'utf8')).sessions as SessionLine[];
  const failed = sessions.filter((s) => s.outcome !== 'completed');
  assert.ok(failed.length > 0, 'with 32 ports and 100 sessions closed by the replay, some ran out of ports');
  for (const s of failed) {
    assert.match(s.reason ?? '', /local port/i, `a clear reason: ${s.reason}`);
    assert.doesNotMatch(s.reason ?? '', /Local \(0\.0\.0\.0:0\)/, `no raw Node message: ${s.reason}`);
  }
});
