// `reprise intercept` with real libpcap: a target host and a client host in network namespaces
// this test creates, a real TCP exchange between them, and a replayer (the reprise intercept
// client, run inside the target's namespace) that registered the session's route and must get
// back the headers of the target's SYN-ACK, data and FIN.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseIpv4 } from '../../src/packet/index.ts';
import { buildTwoHosts, finished, skipWithoutNetns, type TwoHosts, waitForOutput } from '../helpers/netns.ts';

const skip = skipWithoutNetns('intercept e2e');

const TARGET_PORT = 8080;
const CLIENT_PORT = 40123;
const INTERCEPT_PORT = 36524;
const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;

const TARGET_SERVER = `
  const net = require('node:net');
  net.createServer((s) => s.on('data', (d) => s.end('pong:' + d))).listen(${TARGET_PORT}, process.argv[1], () => console.log('listening'));
`;
const CLIENT = `
  const net = require('node:net');
  const s = net.connect({ host: process.argv[1], port: ${TARGET_PORT}, localPort: ${CLIENT_PORT} }, () => s.write('ping'));
  s.on('data', (d) => console.log(String(d)));
  s.on('end', () => s.end());
`;

interface ProbeRecord {
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  flags: number;
  payload: number;
}

describe('reprise intercept over libpcap in network namespaces', { skip }, () => {
  let hosts: TwoHosts | undefined;
  before(() => {
    hosts = buildTwoHosts('icpt');
  });
  after(() => hosts?.close());

  it('sends the SYN-ACK, data and FIN headers of a real session to the replayer that added its route', async () => {
    const h = hosts!;
    const server = h.spawn(h.server, process.execPath, ['-e', TARGET_SERVER, h.serverIp]);
    await waitForOutput(server, 'listening');

    const intercept = h.spawn(h.server, process.execPath, [
      'bin/reprise.js',
      'intercept',
      '-i',
      h.serverDevice,
      '-F',
      `tcp and src port ${TARGET_PORT}`,
      '-b',
      '127.0.0.1',
      '-p',
      String(INTERCEPT_PORT),
      '--no-tui',
    ]);
    const interceptDone = finished(intercept);
    await waitForOutput(intercept, 'intercept listening', 60_000);

    const probe = h.spawn(h.server, process.execPath, [
      '--import',
      'tsx',
      'test/intercept/fixtures/probe.ts',
      `127.0.0.1:${INTERCEPT_PORT}`,
      h.clientIp,
      String(CLIENT_PORT),
      h.serverIp,
      String(TARGET_PORT),
    ]);
    const probeDone = finished(probe);
    await waitForOutput(probe, 'ready', 60_000);

    const client = h.spawn(h.client, process.execPath, ['-e', CLIENT, h.serverIp]);
    const clientDone = await finished(client);
    assert.match(clientDone.stdout, /pong:ping/);

    const probeResult = await probeDone;
    assert.equal(probeResult.code, 0, `probe: ${probeResult.stderr}`);
    const records: ProbeRecord[] = probeResult.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));

    const target = parseIpv4(h.serverIp);
    const clientIp = parseIpv4(h.clientIp);
    for (const r of records) {
      assert.deepEqual([r.src, r.srcPort, r.dst, r.dstPort], [target, TARGET_PORT, clientIp, CLIENT_PORT]);
    }
    assert.equal(records[0].flags, SYN | ACK, 'the SYN-ACK comes first');
    assert.ok(
      records.some((r) => r.payload === 'pong:ping'.length),
      `a record of the response data: ${JSON.stringify(records)}`,
    );
    assert.ok(
      records.some((r) => (r.flags & FIN) !== 0),
      'the FIN',
    );

    intercept.kill('SIGTERM');
    const interceptResult = await interceptDone;
    assert.equal(interceptResult.code, 0, interceptResult.stderr);
    assert.match(interceptResult.stderr, /replayer 127\.0\.0\.1:\d+ connected \(protocol version 6\)/);
    assert.match(interceptResult.stderr, new RegExp(`routed ${records.length},`));
  });
});
