/**
 * Figures of `reprise inspect` checked against what tshark reports on the same packets (bug hunt
 * 10). Each capture is one short session written here, segment by segment.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createPcapWriter } from '../../src/capture/pcap-writer.ts';
import { LinkType } from '../../src/capture/record.ts';
import { inspectCapture } from '../../src/cli/inspect.ts';
import type { InspectReport, SessionRow } from '../../src/inspect/report.ts';
import { encodeIpv4Tcp } from '../../src/packet/encode.ts';
import { TcpFlag } from '../../src/packet/view.ts';

const scratch = mkdtempSync(join(tmpdir(), 'rp-inspect-hunt10-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const ETHERNET = Buffer.from('0200000000020200000000010800', 'hex');
const CLIENT = 0x0a000001;
const SERVER = 0x0a000002;
const C = 1001; // the client's first data byte (ISN 1000)
const S = 5001; // the server's (ISN 5000)
const REQUEST = Buffer.from('GET / HTTP/1.0\r\n\r\n');
const RESPONSE = Buffer.from('HTTP/1.0 200 OK\r\n\r\n');
const { ACK, SYN, FIN, PSH, RST } = TcpFlag;

interface Segment {
  fromClient: boolean;
  seq: number;
  ack: number;
  flags: number;
  payload?: Buffer;
  /** Capture time, µs after the first segment; 1 ms after the one before when absent. */
  atUs?: number;
  /** Bytes the IPv4 total length claims beyond the frame's own (the record itself stays whole). */
  phantomBytes?: number;
}

const client = (seq: number, ack: number, flags: number, extra: Partial<Segment> = {}): Segment => ({
  fromClient: true,
  seq,
  ack,
  flags,
  ...extra,
});
const server = (seq: number, ack: number, flags: number, extra: Partial<Segment> = {}): Segment => ({
  fromClient: false,
  seq,
  ack,
  flags,
  ...extra,
});

function frameOf(segment: Segment): Buffer {
  const packet = encodeIpv4Tcp({
    src: segment.fromClient ? CLIENT : SERVER,
    dst: segment.fromClient ? SERVER : CLIENT,
    srcPort: segment.fromClient ? 40000 : 80,
    dstPort: segment.fromClient ? 80 : 40000,
    seq: segment.seq,
    ack: segment.ack,
    flags: segment.flags,
    window: 65535,
    payload: segment.payload,
  });
  if (segment.phantomBytes !== undefined) packet.writeUInt16BE(packet.length + segment.phantomBytes, 2);
  return Buffer.concat([ETHERNET, packet]);
}

async function inspectSegments(
  name: string,
  segments: Segment[],
): Promise<{ report: InspectReport; row: SessionRow }> {
  const path = join(scratch, name);
  const writer = createPcapWriter(path, { linkType: LinkType.ETHERNET });
  let us = 0;
  for (const segment of segments) {
    us = segment.atUs ?? us + 1000;
    writer.write(1_700_000_000 + Math.floor(us / 1e6), (us % 1e6) * 1000, frameOf(segment));
  }
  await writer.close();
  const report = await inspectCapture(path, { sessions: true });
  const [row] = report.sessions ?? [];
  assert.ok(row, `${name}: one session`);
  return { report, row };
}

const HANDSHAKE: Segment[] = [client(C - 1, 0, SYN), server(S - 1, C, SYN | ACK), client(C, S, ACK)];
const REQUEST_SEGMENT = client(C, S, ACK | PSH, { payload: REQUEST });
const C_END = C + REQUEST.length;
const S_END = S + RESPONSE.length;
const ANSWER_AND_CLOSE: Segment[] = [
  server(S, C_END, ACK | PSH, { payload: RESPONSE }),
  server(S_END, C_END, ACK | FIN),
  client(C_END, S_END + 1, ACK | FIN),
  server(S_END + 1, C_END + 1, ACK),
];

describe('inspect figures against tshark', () => {
  it('counts a plain session as tshark does (the builder itself is right)', async () => {
    const { report, row } = await inspectSegments('plain.pcap', [
      ...HANDSHAKE,
      REQUEST_SEGMENT,
      ...ANSWER_AND_CLOSE,
    ]);
    assert.equal(row.bytesFromClient, REQUEST.length);
    assert.equal(row.bytesFromServer, RESPONSE.length);
    assert.equal(row.requests, 1);
    assert.equal(row.rttUs, 2000);
    assert.equal(report.anomalies.retransmissions, 0);
    assert.equal(report.anomalies.gaps, 0);
  });

  // ndpi_telnet.pcap: pure ACKs whose IPv4 total length is the previous data segment's, in frames
  // that are whole on the wire (tshark: "IPv4 total length exceeds packet length", Len=0).
  it('an ACK whose IP length claims bytes the whole frame lacks is no retransmission', async () => {
    const { report } = await inspectSegments('phantom-after.pcap', [
      ...HANDSHAKE,
      REQUEST_SEGMENT,
      client(C, S, ACK | PSH, { phantomBytes: REQUEST.length }),
      ...ANSWER_AND_CLOSE,
    ]);
    assert.equal(report.tcp.bytesFromClients, REQUEST.length);
    assert.equal(report.anomalies.retransmissions, 0, 'no client segment was sent twice');
  });

  it('an ACK whose IP length claims bytes the whole frame lacks invents no client bytes', async () => {
    const { report, row } = await inspectSegments('phantom-before.pcap', [
      ...HANDSHAKE,
      client(C, S, ACK | PSH, { phantomBytes: 85 }),
      REQUEST_SEGMENT,
      ...ANSWER_AND_CLOSE,
    ]);
    assert.equal(row.bytesFromClient, REQUEST.length, 'the client sent only its request');
    assert.equal(report.anomalies.truncatedPayloadSegments, 0, 'the snap length cut nothing');
    assert.equal(report.anomalies.gaps, 0, 'no client byte is missing');
  });

  it('ends a simultaneous close with FIN, named for the first FIN in the capture', async () => {
    const { report, row } = await inspectSegments('simultaneous-close.pcap', [
      ...HANDSHAKE,
      REQUEST_SEGMENT,
      server(S, C_END, ACK | PSH, { payload: RESPONSE }),
      client(C_END, S_END, ACK | FIN, { atUs: 10_000 }),
      server(S_END, C_END, ACK | FIN, { atUs: 10_000 }),
      client(C_END + 1, S_END + 1, ACK),
      server(S_END + 1, C_END + 1, ACK),
    ]);
    assert.deepEqual([row.ending, row.endedBy, row.resetBy], ['fin', 'client', null]);
    assert.deepEqual(report.tcp.endings, { fin: 1, rst: 0, 'capture-end': 0 });
    assert.equal(row.bytesFromClient, REQUEST.length);
    assert.equal(row.bytesFromServer, RESPONSE.length);
  });

  // zeek_ipv6-http-atomic-frag.pcap, session 0: its request is filed after the server's answer
  // but stamped 244 µs before it: the answer waits for it (src/flow/held-answer.ts), no gap.
  it('keeps a request filed after its answer but stamped before it', async () => {
    const { report, row } = await inspectSegments('filed-late.pcap', [
      ...HANDSHAKE,
      server(S, C_END, ACK | PSH, { payload: RESPONSE, atUs: 20_000 }),
      { ...REQUEST_SEGMENT, atUs: 19_756 },
      server(S_END, C_END, ACK | FIN, { atUs: 21_000 }),
      client(C_END, S_END + 1, ACK | FIN),
      server(S_END + 1, C_END + 1, ACK),
    ]);
    assert.equal(report.anomalies.gaps, 0, 'every client byte is in the capture');
    assert.equal(row.requests, 1);
    assert.equal(row.retransmissions, 0);
  });

  // docs/inspect-json.md: resetBy is who sent the first RST before the session closed; one after
  // both FINs comes after the session was told (a segment after close).
  it('counts a RST after both FINs as a segment after close, not as how the session ended', async () => {
    const { report, row } = await inspectSegments('fin-then-rst.pcap', [
      ...HANDSHAKE,
      REQUEST_SEGMENT,
      server(S, C_END, ACK | PSH, { payload: RESPONSE }),
      server(S_END, C_END, ACK | FIN),
      client(C_END, S_END + 1, ACK | FIN),
      server(S_END + 1, 0, RST),
    ]);
    assert.deepEqual([row.ending, row.resetBy], ['fin', null]);
    assert.equal(report.tcp.segmentsAfterClose, 1);
  });

  // zeek_smtp-one-side-only.pcap, zeek_mixed-vlan-mpls.pcap: tshark's tcp.analysis.initial_rtt
  // is the SYN to the client's first ACK even when the SYN-ACK is not in the capture.
  it('times the handshake of a capture holding the client side only', async () => {
    const { row } = await inspectSegments('one-sided.pcap', [
      client(C - 1, 0, SYN, { atUs: 0 }),
      client(C, S, ACK, { atUs: 3000 }),
      client(C, S, ACK | PSH, { payload: REQUEST }),
      client(C_END, S_END + 1, ACK | FIN),
    ]);
    assert.equal(row.handshake, true);
    assert.equal(row.rttUs, 3000);
  });
});
