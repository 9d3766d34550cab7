import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSessions } from '../../src/flow/pipeline.ts';
import type { CapturedRequest, CapturedSession } from '../../src/flow/session.ts';
import { replay } from '../../src/replay/replay.ts';
import {
  type HttpHosts,
  httpRequests,
  startHttpHosts,
  startRecorder,
  startTcpdump,
  tcpdumpRead,
} from '../helpers/capture-hosts.ts';
import { finished, skipWithoutNetns } from '../helpers/netns.ts';
import { startRecordingServer } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';

const skip = skipWithoutNetns('reprise record end-to-end tests');

const REQUESTS = 12;

describe('reprise record on a veth between two namespaces', { skip }, () => {
  let hosts: HttpHosts;
  before(async () => {
    hosts = await startHttpHosts('rec', [8080, 9090]);
  });
  after(() => hosts?.close());

  it('writes exactly the packets the filter matches, as tcpdump captures them, in time order', async () => {
    const ours = join(hosts.dir, 'known.pcap');
    const theirs = join(hosts.dir, 'tcpdump.pcap');
    const recorder = await startRecorder(hosts, ours, ['tcp', 'port', '8080']);
    const tcpdump = await startTcpdump(hosts, ['-i', hosts.serverDevice, '-w', theirs, 'tcp port 8080']);
    const recorderDone = finished(recorder);
    const tcpdumpDone = finished(tcpdump);

    const bodies = httpRequests(hosts, 8080, REQUESTS);
    httpRequests(hosts, 9090, 3); // must not be recorded
    assert.equal(bodies.length, REQUESTS);
    await new Promise((r) => setTimeout(r, 700));
    recorder.kill('SIGINT');
    tcpdump.kill('SIGINT');
    const run = await recorderDone;
    await tcpdumpDone;

    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /stopped: interrupted/);
    assert.match(run.stderr, /libpcap: \d+ packets received, 0 dropped/);
    const expected = tcpdumpRead(theirs, ['-t', '-xx']).lines;
    const got = tcpdumpRead(ours, ['-t', '-xx']);
    assert.ok(expected.length > REQUESTS * 5, `tcpdump saw ${expected.length} lines only`);
    assert.deepEqual(got.lines, expected, 'same packets, same bytes, same order as tcpdump');
    assert.doesNotMatch(got.stderr, /truncated/);
    assert.equal(tcpdumpRead(ours, ['port 9090']).lines.length, 0);

    const ourTimes = tcpdumpRead(ours, ['-tt']).lines.map((l) => Number(l.split(' ')[0]));
    const theirTimes = tcpdumpRead(theirs, ['-tt']).lines.map((l) => Number(l.split(' ')[0]));
    for (let i = 1; i < ourTimes.length; i++)
      assert.ok(ourTimes[i] >= ourTimes[i - 1], `packet ${i} goes back in time`);
    // Both take the kernel's timestamps, stamped per capturing socket: equal within microseconds.
    for (const [i, t] of ourTimes.entries()) {
      assert.ok(Math.abs(t - theirTimes[i]) < 0.001, `packet ${i}: ${t} vs tcpdump ${theirTimes[i]}`);
    }
  });

  it('records a file in which inspect finds every request, and that replays to a server', async () => {
    const file = join(hosts.dir, 'roundtrip.pcap');
    const recorder = await startRecorder(hosts, file, ['-f', 'tcp port 8080', '--nano']);
    const done = finished(recorder);
    httpRequests(hosts, 8080, REQUESTS);
    await new Promise((r) => setTimeout(r, 700));
    recorder.kill('SIGTERM');
    const run = await done;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /stopped: terminated/);
    assert.match(
      run.stderr,
      new RegExp(
        `inspect .*roundtrip\\.pcap: \\d+ packets, ${REQUESTS} TCP sessions \\(${REQUESTS} with SYN\\), ${REQUESTS} requests, server ports 8080 \\(${REQUESTS}\\)`,
      ),
    );

    const requests: string[] = [];
    const sessions: CapturedSession[] = [];
    await readSessions(
      file,
      {
        requestCompleted: (_s: CapturedSession, request: CapturedRequest) => {
          requests.push(request.data.toString('latin1').split('\r\n')[0]);
        },
        sessionClosed: (s: CapturedSession) => {
          sessions.push(s);
        },
      },
      { keepPayload: true },
    );
    assert.equal(sessions.length, REQUESTS);
    assert.deepEqual(
      requests.sort(),
      Array.from({ length: REQUESTS }, (_, i) => `GET /r${i} HTTP/1.1`).sort(),
    );
    assert.ok(sessions.every((s) => s.handshake.syn && s.server.port === 8080));

    // And the recording replays: every captured request reaches a server, over the socket transport.
    const server = await startRecordingServer('http');
    try {
      const { report } = await replay(replayConfig([file], server.port, 8080), capturedOutput());
      assert.equal(report.totals.sessions.completed, REQUESTS);
      const received = server.connections.map(
        (c) => Buffer.concat(c.bytes).toString('latin1').split('\r\n')[0],
      );
      assert.deepEqual(
        received.sort(),
        Array.from({ length: REQUESTS }, (_, i) => `GET /r${i} HTTP/1.1`).sort(),
      );
    } finally {
      await server.close();
    }
  });

  it('stops by itself after the packet count or the duration', async () => {
    const counted = join(hosts.dir, 'count.pcap');
    const recorder = await startRecorder(hosts, counted, ['-c', '7', 'port 8080']);
    const done = finished(recorder);
    httpRequests(hosts, 8080, 3);
    const run = await done;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /stopped: packet count reached/);
    assert.equal(tcpdumpRead(counted).lines.length, 7);

    const timed = join(hosts.dir, 'duration.pcap');
    const before = Date.now();
    const timedRun = await finished(await startRecorder(hosts, timed, ['-G', '1.5']));
    assert.equal(timedRun.code, 0, timedRun.stderr);
    assert.match(timedRun.stderr, /stopped: duration reached/);
    assert.ok(Date.now() - before >= 1500);
    tcpdumpRead(timed);
  });

  it('leaves a readable file when killed with SIGKILL mid-capture', async () => {
    const file = join(hosts.dir, 'killed.pcap');
    const recorder = await startRecorder(hosts, file, ['port 8080']);
    const done = finished(recorder);
    httpRequests(hosts, 8080, REQUESTS);
    // Traffic keeps coming while the recorder dies: the kill lands mid-capture.
    const more = new Promise<void>((resolve) => {
      setTimeout(() => {
        recorder.kill('SIGKILL');
        resolve();
      }, 1300);
    });
    await more;
    const run = await done;
    assert.equal(run.signal, 'SIGKILL');
    const read = tcpdumpRead(file);
    assert.doesNotMatch(read.stderr, /truncated/);
    // Every request's packets arrived more than a flush interval before the kill.
    assert.ok(read.lines.length >= REQUESTS * 8, `only ${read.lines.length} packets survived`);
  });
});
