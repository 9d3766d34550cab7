/**
 * gRPC over h2c, recorded from real etcdctl calls to a real etcd with `reprise record -i lo` and
 * replayed over the socket transport. A grpc-go server pings the client (a BDP ping, with a
 * WINDOW_UPDATE) as soon as a call's DATA arrives; etcdctl acks the ping before the call's answer
 * comes, so the capture holds the PING ACK as a request "answered" by the call's response. In the
 * replay both server writes arrive within the first request's quiet, and the PING ACK, which no
 * HTTP/2 peer answers, must not hold the session until the session timeout.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { replay } from '../../src/replay/replay.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { recordLoopback } from '../helpers/record-loopback.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip =
  process.getuid?.() !== 0
    ? 'recording on lo needs root (libpcap)'
    : !hasCommand('etcd') || !hasCommand('etcdctl')
      ? 'etcd and etcdctl are not installed (apt-get install etcd-server etcd-client)'
      : false;
if (skip) console.log(`# skipped: gRPC (etcd) recordings: ${skip}`);

/** A port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A single-member etcd on loopback, its data in `dataDir`; resolves once it answers. */
async function startEtcd(dataDir: string): Promise<{ process: ChildProcess; port: number }> {
  const [port, peerPort] = [await freePort(), await freePort()];
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const etcd = spawn(
    'etcd',
    [
      '--name=rp-unseen3',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=rp-unseen3=${peer}`,
    ],
    { stdio: 'ignore' },
  );
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      etcdctl(port, ['endpoint', 'health']);
      return { process: etcd, port };
    } catch {
      await sleep(100);
    }
  }
  etcd.kill();
  throw new Error(`etcd did not answer on ${client} within 10 s`);
}

function etcdctl(port: number, args: string[]): string {
  return execFileSync('etcdctl', [`--endpoints=127.0.0.1:${port}`, '--command-timeout=3s', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ETCDCTL_API: '3' },
  });
}

describe('socket replay of gRPC (etcdctl to etcd, h2c)', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let etcd: { process: ChildProcess; port: number } | undefined;
  before(async () => {
    dir = tempDir('rp-unseen3-');
    etcd = await startEtcd(join(dir.path, 'etcd'));
  });
  after(async () => {
    if (etcd && etcd.process.exitCode === null) {
      const exited = once(etcd.process, 'exit');
      etcd.process.kill('SIGTERM');
      await exited;
    }
    dir.cleanup();
  });

  it('completes every etcdctl put without waiting for an answer to the ping ack', async () => {
    const port = etcd?.port ?? 0;
    const file = join(dir.path, 'etcd-put.pcap');
    await recordLoopback(file, port, async () => {
      for (const key of ['rp-a', 'rp-b', 'rp-c']) {
        assert.equal(etcdctl(port, ['put', key, `value of ${key}`]).trim(), 'OK');
      }
    });
    const sessions = await capturedSessions(file);
    assert.equal(sessions.length, 3, 'one connection per etcdctl call');
    const pingAcks = sessions.filter((s) =>
      s.requests.some(
        (r) => r.data.length === 17 && r.data[3] === 6 && r.data[4] === 1 && r.responseBytes > 0,
      ),
    );
    assert.ok(pingAcks.length > 0, 'the capture holds a PING ACK followed by the call’s answer');

    const timeoutMs = 3000;
    const started = Date.now();
    const { report } = await replay(
      replayConfig([file], port, port, { speed: 1, sessionTimeoutMs: timeoutMs }),
      capturedOutput(),
    );
    const outcomes = report.sessions.map((s) => `${s.outcome}${s.reason ? `: ${s.reason}` : ''}`);
    assert.deepEqual(outcomes, ['completed', 'completed', 'completed']);
    assert.equal(report.totals.requests.lost, 0);
    assert.equal(report.totals.requests.sent, report.totals.requests.planned, 'every request went');
    assert.ok(Date.now() - started < timeoutMs, 'no session waited for the session timeout');
  });
});
