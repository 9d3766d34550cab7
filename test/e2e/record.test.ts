import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
    const tcpdumpRun = await tcpdumpDone;

    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /stopped: interrupted/);
    assert.match(
      run.stderr,
      /libpcap: \d+ packets received( \(on lo each packet counts twice: as sent and as received\))?, 0 dropped/,
    );
    const expected = packetsOf(theirs);
    const got = packetsOf(ours);
    assert.ok(
      expected.length > REQUESTS * 5,
      `tcpdump saw ${expected.length} packets only: ${tcpdumpRun.stderr}`,
    );
    // The same packets, byte for byte. Not necessarily in the same order: each capturing socket
    // gets a packet from whichever CPU handled it, so two concurrent connections may interleave
    // differently in the two files.
    assert.deepEqual(
      got.map((p) => p.text).sort(),
      expected.map((p) => p.text).sort(),
      'the same packets, byte for byte, as tcpdump',
    );
    assert.doesNotMatch(tcpdumpRead(ours).stderr, /truncated/);
    assert.equal(tcpdumpRead(ours, ['port 9090']).lines.length, 0);

    for (let i = 1; i < got.length; i++)
      assert.ok(got[i].time >= got[i - 1].time, `packet ${i} goes back in time`);
    // Both take the kernel's timestamps, stamped as the packet reaches each capturing socket: the
    // same within microseconds, or a few milliseconds when the softirq is interrupted in between.
    const theirTime = new Map(expected.map((p) => [p.text, p.time]));
    for (const [i, { text, time }] of got.entries()) {
      const tcpdumpTime = theirTime.get(text) ?? Number.NaN;
      assert.ok(Math.abs(time - tcpdumpTime) < 0.005, `packet ${i}: ${time} vs tcpdump ${tcpdumpTime}`);
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

  it('-i any: records cooked (SLL) frames tcpdump reads, and does not claim to know interface drops', async () => {
    const file = join(hosts.dir, 'any.pcap');
    const recorder = await startRecorder(hosts, file, ['-i', 'any', '-c', '7', 'port 8080']);
    const done = finished(recorder);
    httpRequests(hosts, 8080, 3);
    const run = await done;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /interface drops unknown/);
    assert.ok([113, 276].includes(readFileSync(file).readUInt32LE(20)), 'link type LINUX_SLL or LINUX_SLL2');
    assert.equal(tcpdumpRead(file).lines.length, 7);
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

/** The packets of a capture as tcpdump prints them (-tt -xx): capture time, and the rest as text. */
function packetsOf(file: string): Array<{ time: number; text: string }> {
  const packets: Array<{ time: number; text: string }> = [];
  for (const line of tcpdumpRead(file, ['-tt', '-xx']).lines) {
    if (line.startsWith('\t')) packets[packets.length - 1].text += `\n${line}`;
    else {
      const space = line.indexOf(' ');
      packets.push({ time: Number(line.slice(0, space)), text: line.slice(space + 1) });
    }
  }
  return packets;
}
