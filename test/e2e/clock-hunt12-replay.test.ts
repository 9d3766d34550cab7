/**
 * Replays of real recordings whose clock or file order is imperfect, as captures from the field
 * are: a host clock stepped back mid-capture (NTP), rotated files given in the wrong order (a
 * shell glob sorts rec.pcap10 before rec.pcap2). A user expects every connection to reach the
 * target in the captured order, at the captured pace, and a warning when files do not fit.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createPcapWriter, forEachRecord } from '../../src/capture/index.ts';
import { DecodeContext, DecodeStatus, decodeRecord, newPacketView } from '../../src/packet/index.ts';
import { replay } from '../../src/replay/replay.ts';
import { recordLoopback } from '../helpers/record-loopback.ts';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const skip = process.getuid?.() !== 0 ? 'recording on lo needs root (libpcap)' : false;
if (skip) console.log(`# skipped: clock hunt replays: ${skip}`);

const CONNECTIONS = 4;
const STEP_BACK_US = 5_000_000;

interface Packet {
  us: number;
  data: Buffer;
  originalLength: number;
  /** 0-based, in order of each connection's first packet. */
  connection: number;
}

async function readPackets(
  path: string,
  serverPort: number,
): Promise<{ linkType: number; packets: Packet[] }> {
  const view = newPacketView();
  const ctx = new DecodeContext();
  const clientPorts: number[] = [];
  const packets: Packet[] = [];
  let linkType = -1;
  await forEachRecord(path, (record) => {
    linkType = record.linkType;
    assert.equal(decodeRecord(record, view, ctx), DecodeStatus.TCP, `record ${record.index} decodes`);
    const port = view.srcPort === serverPort ? view.dstPort : view.srcPort;
    if (!clientPorts.includes(port)) clientPorts.push(port);
    packets.push({
      us: record.tsSec * 1_000_000 + Math.floor(record.tsNsec / 1000),
      data: Buffer.from(record.buf.subarray(record.offset, record.offset + record.capturedLength)),
      originalLength: record.originalLength,
      connection: clientPorts.indexOf(port),
    });
  });
  return { linkType, packets };
}

async function writePackets(path: string, linkType: number, packets: readonly Packet[]): Promise<void> {
  const writer = createPcapWriter(path, { linkType });
  for (const p of packets) {
    writer.write(Math.floor(p.us / 1_000_000), (p.us % 1_000_000) * 1000, p.data, p.originalLength);
  }
  await writer.close();
}

/** The first request path of each connection the target accepted, in the order it accepted them. */
function connectionOrder(target: RecordingServer): string[] {
  return target.connections.map(
    (c) => /^GET (\S+)/.exec(Buffer.concat(c.bytes).toString('latin1'))?.[1] ?? '?',
  );
}

const firstPaths = Array.from({ length: CONNECTIONS }, (_, i) => `/c${i}/a`);

describe('replaying recordings whose clock or file order is imperfect', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let origin: RecordingServer;
  let target: RecordingServer | undefined;
  let linkType: number;
  let packets: Packet[];

  before(async () => {
    dir = tempDir('rp-clock12-');
    origin = await startRecordingServer();
    const recorded = join(dir.path, 'rec.pcap');
    await recordLoopback(recorded, origin.port, async () => {
      for (let i = 0; i < CONNECTIONS; i++) {
        const urls = ['a', 'b'].map((p) => `http://127.0.0.1:${origin.port}/c${i}/${p}`);
        await promisify(execFile)('curl', ['-s', '-o', '/dev/null', '-o', '/dev/null', ...urls]);
        await sleep(300);
      }
    });
    ({ linkType, packets } = await readPackets(recorded, origin.port));
    assert.equal(
      new Set(packets.map((p) => p.connection)).size,
      CONNECTIONS,
      'every connection was recorded',
    );
  });
  after(async () => {
    await Promise.all([origin?.close(), target?.close()]);
    dir?.cleanup();
  });

  async function replayAgainstNewTarget(files: string[]): Promise<{ text: string; order: string[] }> {
    await target?.close();
    target = await startRecordingServer();
    const output = capturedOutput();
    await replay(replayConfig(files, target.port, origin.port, { speed: 1 }), output);
    return { text: output.text(), order: connectionOrder(target) };
  }

  /** The recording with the host clock stepped back from connection 2's first packet on. */
  function steppedBack(): { before: Packet[]; after: Packet[] } {
    const step = packets.findIndex((p) => p.connection === 2);
    const shifted = packets.map((p, i) => (i >= step ? { ...p, us: p.us - STEP_BACK_US } : p));
    return { before: shifted.slice(0, step), after: shifted.slice(step) };
  }

  it('replays a clock step back between two files in the captured order (control)', async () => {
    const { before: head, after: tail } = steppedBack();
    const [first, second] = [join(dir.path, 'head.pcap'), join(dir.path, 'tail.pcap')];
    await writePackets(first, linkType, head);
    await writePackets(second, linkType, tail);
    const { order } = await replayAgainstNewTarget([first, second]);
    assert.deepEqual(order, firstPaths);
  });

  it('replays a clock step back inside one file in the captured order, not the later connections at once', async () => {
    const { before: head, after: tail } = steppedBack();
    const stepped = join(dir.path, 'stepped.pcap');
    await writePackets(stepped, linkType, [...head, ...tail]);
    const { order, text } = await replayAgainstNewTarget([stepped]);
    assert.deepEqual(order, firstPaths);
    // The step shows as 5 s less the pause before connection 2 (the clock ran on meanwhile).
    assert.match(
      text,
      new RegExp(`${stepped}: its clock steps back 4\\.\\d s at record ${head.length + 1}:`),
    );
  });

  it('warns when rotated files are given in reverse order and a connection is cut in two', async () => {
    // The client on a port above the origin's, as against a service: a part without its SYN is told apart by port.
    const recorded = join(dir.path, 'one-connection.pcap');
    await recordLoopback(recorded, origin.port, async () => {
      const urls = ['a', 'b', 'c'].map((p) => `http://127.0.0.1:${origin.port}/${p}`);
      const fetches = urls.flatMap((url) => ['-o', '/dev/null', url]);
      await promisify(execFile)('curl', ['-s', '--local-port', '61000-65535', ...fetches]);
    });
    const one = await readPackets(recorded, origin.port);
    const cut = Math.floor(one.packets.length / 2);
    const [first, second] = [join(dir.path, 'rec0.pcap'), join(dir.path, 'rec1.pcap')];
    await writePackets(first, one.linkType, one.packets.slice(0, cut));
    await writePackets(second, one.linkType, one.packets.slice(cut));
    const { text } = await replayAgainstNewTarget([second, first]);
    assert.match(
      text,
      /rec1\.pcap and \S*rec0\.pcap look like one recording cut in two, given out of order: 1 session was cut/,
    );
  });
});
