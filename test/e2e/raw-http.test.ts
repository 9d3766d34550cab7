import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { syntheticHttpTraffic } from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';
import { HOST_DEVICE, skipWithoutNetns, type TestHosts } from '../helpers/netns.ts';
import { assertSentOnSchedule, capturedSendTimesMs } from '../helpers/send-times.ts';
import { syntheticCapture } from '../helpers/synthetic.ts';
import {
  CORPUS,
  capturedHttpRequests,
  HTTP_TO_TARGET,
  type HttpTarget,
  type ReplayFlags,
  recordSentPackets,
  requestLines,
  runReplay,
  startHttpReplayHosts,
} from './raw-harness.ts';

const skip = skipWithoutNetns('raw transport e2e');

const GET = `${CORPUS}/zeek_http_get.pcap`;
const BRO = `${CORPUS}/zeek_http_bro.org.pcap`;

describe('raw replay of HTTP through intercept on the assist host', { skip, timeout: 240_000 }, () => {
  let hosts: TestHosts;
  let target: HttpTarget;
  let dir: string;
  let synthetic: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-rawhttp-'));
    synthetic = join(dir, 'synthetic.pcap');
    await writeSyntheticCapture(
      synthetic,
      syntheticHttpTraffic({
        sessions: 40,
        requestsPerSession: [1, 5],
        sessionSpacingMs: 3,
        thinkTimeMs: 2,
        serverLatencyMs: 1,
        rttMs: 1,
        serverPort: 80,
        seed: 7,
      }),
    );
    ({ hosts, target } = await startHttpReplayHosts('rawhttp'));
  });
  after(async () => {
    await hosts?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const replay = async (over: Partial<ReplayFlags> & { captures: string[] }) => {
    const from = target.requests().length;
    const result = await runReplay(hosts, { ...HTTP_TO_TARGET, speed: 'max', ...over });
    return { result, got: target.requests().slice(from) };
  };

  it('delivers a captured GET from a client pool address and accounts for the session', async () => {
    const { result, got } = await replay({ captures: [GET] });
    assert.equal(got.length, 1, result.stderr);
    assert.equal(got[0].method, 'GET');
    assert.match(got[0].address, /^10\.78\.0\.\d+$/);
    assert.deepEqual(
      result.sessions.map((s) => [s.outcome, s.replayedFrom, s.answered]),
      [['completed', `${got[0].address}:${got[0].port}`, 1]],
    );
  });

  it('--send-link eth0: the same GET sent as Ethernet frames through libpcap', async () => {
    const { result, got } = await replay({ captures: [GET], sendLink: HOST_DEVICE, seed: 5 });
    assert.equal(got.length, 1, result.stderr);
    assert.match(got[0].address, /^10\.78\.0\.\d+$/);
    assert.equal(result.sessions[0].outcome, 'completed', JSON.stringify(result));
    assert.ok(
      result.transport.packetsSent >= 4 && result.transport.packetsFailed === 0,
      JSON.stringify(result.transport),
    );
  });

  for (const [name, capture] of [
    ['zeek_http_bro.org.pcap', () => BRO],
    ['a synthetic keep-alive capture', () => synthetic],
  ] as const) {
    it(`delivers exactly the requests of ${name}, from rewritten client addresses`, async () => {
      const path = capture();
      const expected = await capturedHttpRequests(path, 80);
      const { result, got } = await replay({ captures: [path] });
      assert.deepEqual(requestLines(got), expected, result.stderr);
      for (const r of got) assert.match(r.address, /^10\.78\.0\.\d+$/);
      const fromReport = new Set(result.sessions.map((s) => s.replayedFrom));
      for (const r of got) assert.ok(fromReport.has(`${r.address}:${r.port}`), `${r.address}:${r.port}`);
      assert.ok(
        result.sessions.every((s) => s.outcome === 'completed'),
        JSON.stringify(result.sessions.filter((s) => s.outcome !== 'completed')),
      );
    });
  }

  it('at --speed 1 every request leaves at its captured offset, as with the socket transport', async () => {
    const startUs = 1_700_000_000_000_000;
    const paced = await syntheticCapture(join(dir, 'paced.pcap'), {
      sessions: 4,
      requestsPerSession: 3,
      sessionSpacingMs: 150,
      thinkTimeMs: 200,
      startUs,
    });
    const { result, got } = await replay({ captures: [paced], speed: 1 });
    assert.equal(got.length, 12, result.stderr);
    assertSentOnSchedule(result.report, await capturedSendTimesMs(paced, startUs));
  });

  it('-n 3 delivers three times the requests, each copy from its own client port', async () => {
    const expected = await capturedHttpRequests(synthetic, 80);
    const { result, got } = await replay({ captures: [synthetic], multiply: 3 });
    const failed = result.sessions.filter((s) => s.outcome !== 'completed');
    assert.equal(got.length, 3 * expected.length, `${result.stderr}\n${JSON.stringify(failed)}`);
    assert.deepEqual(requestLines(got), expected.flatMap((l) => [l, l, l]).sort());
    const clients = new Set(result.sessions.map((s) => s.replayedFrom));
    assert.equal(result.sessions.length, 3 * 40);
    assert.equal(clients.size, result.sessions.length);
    assert.equal(new Set(got.map((r) => `${r.address}:${r.port}`)).size, clients.size);
  });

  it('sends the same packets on two runs with the same capture, seed and options', async () => {
    const runs: Array<ReturnType<typeof clientSide>> = [];
    for (const name of ['a.pcap', 'b.pcap']) {
      const recording = await recordSentPackets(hosts, hosts.replay, join(dir, name));
      const { result } = await replay({ captures: [BRO], seed: 42 });
      const sent = await recording.stop();
      assert.equal(sent.length, result.transport.packetsSent, 'tcpdump saw every packet the replay sent');
      runs.push(clientSide(sent));
    }
    const [a, b] = runs;
    assert.ok(a.syns.length === 13 && a.data.length > 0, `${a.syns.length} SYNs`);
    // SYNs carry nothing from the target: byte for byte the same.
    assert.deepEqual(a.syns, b.syns);
    // Data segments: same addresses, ports, seq and payload; their ack and TSecr echo the
    // target, whose ISNs and clock differ between runs.
    assert.deepEqual(a.data, b.data);
  });
});

/** First SYN of each client as hex (a retried SYN's TSval follows the clock), and data segments as `src:port>dst:port seq payload`, each sorted. */
function clientSide(packets: Buffer[]): { syns: string[]; data: string[] } {
  const syns = new Map<string, string>();
  const data: string[] = [];
  for (const p of packets) {
    const tcp = (p[0] & 0x0f) * 4;
    const flags = p[tcp + 13];
    const payloadAt = tcp + (p[tcp + 12] >> 4) * 4;
    const tuple = `${p.readUInt32BE(12)}:${p.readUInt16BE(tcp)}>${p.readUInt32BE(16)}:${p.readUInt16BE(tcp + 2)}`;
    if (flags & 0x02) {
      if (!syns.has(tuple)) syns.set(tuple, p.toString('hex'));
    } else if (p.length > payloadAt) {
      data.push(`${tuple} ${p.readUInt32BE(tcp + 4)} ${p.subarray(payloadAt).toString('hex')}`);
    }
  }
  return { syns: [...syns.values()].sort(), data: [...new Set(data)].sort() };
}
