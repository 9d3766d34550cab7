import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinkType } from '../../src/capture/record.ts';
import { writeResponseRecord } from '../../src/intercept/response-record.ts';
import {
  DecodeContext,
  DecodeStatus,
  decodeTcp,
  encodeIpv4Tcp,
  newPacketView,
  parseIpv4,
} from '../../src/packet/index.ts';
import { decodeFeedbackRecord, FeedbackRecordError } from '../../src/replay/engine/feedback.ts';
import { ACK, PSH, SYN } from './script.ts';

const target = parseIpv4('10.77.0.2');
const client = parseIpv4('10.78.0.9');

/** A real target packet, through the packet decoder and intercept's record writer. */
function record(packet: Buffer): Buffer {
  const view = newPacketView();
  const status = decodeTcp(LinkType.RAW, packet, 0, packet.length, view, new DecodeContext());
  assert.equal(status, DecodeStatus.TCP);
  const out = Buffer.alloc(64 + 8, 0xee);
  writeResponseRecord(view, out, 8);
  return out;
}

describe('feedback record decoder', () => {
  it('decodes a SYN-ACK with options, written by intercept, at an offset', () => {
    const packet = encodeIpv4Tcp({
      src: target,
      dst: client,
      srcPort: 8080,
      dstPort: 40001,
      seq: 0xfffffff0,
      ack: 1001,
      flags: SYN | ACK,
      window: 65160,
      options: { mss: 1460, sackPermitted: true, tsVal: 123456, tsEcr: 777, windowScale: 7 },
    });
    const decoded = decodeFeedbackRecord(record(packet), 8);
    assert.deepEqual(decoded, {
      srcIp: target,
      dstIp: client,
      srcPort: 8080,
      dstPort: 40001,
      seq: 0xfffffff0,
      ack: 1001,
      flags: SYN | ACK,
      window: 65160,
      payloadLength: 0,
      options: { mss: 1460, sackPermitted: true, tsVal: 123456, tsEcr: 777, windowScale: 7 },
    });
  });

  it('derives the payload length from the IP total length (payload not carried)', () => {
    const packet = encodeIpv4Tcp({
      src: target,
      dst: client,
      srcPort: 8080,
      dstPort: 40001,
      seq: 1,
      ack: 2,
      flags: PSH | ACK,
      window: 501,
      options: { tsVal: 1, tsEcr: 2 },
      payload: Buffer.alloc(1448, 0x41),
    });
    const decoded = decodeFeedbackRecord(record(packet), 8);
    assert.equal(decoded.payloadLength, 1448);
    assert.deepEqual(decoded.options, { tsVal: 1, tsEcr: 2 });
  });

  it('rejects short buffers and records that cannot be TCP/IPv4, naming the field', () => {
    const good = record(
      encodeIpv4Tcp({
        src: target,
        dst: client,
        srcPort: 1,
        dstPort: 2,
        seq: 0,
        ack: 0,
        flags: ACK,
        window: 0,
      }),
    ).subarray(8);
    assert.throws(() => decodeFeedbackRecord(good.subarray(0, 63)), /need 64 bytes at offset 0, have 63/);
    assert.throws(() => decodeFeedbackRecord(good, 1), FeedbackRecordError);
    const v6 = Buffer.from(good);
    v6[0] = 0x65;
    assert.throws(() => decodeFeedbackRecord(v6), /IP version 6, expected 4/);
    const udp = Buffer.from(good);
    udp[9] = 17;
    assert.throws(() => decodeFeedbackRecord(udp), /IP protocol 17/);
    const short = Buffer.from(good);
    short.writeUInt16BE(30, 2);
    assert.throws(
      () => decodeFeedbackRecord(short),
      /total length 30 is shorter than its headers \(20 \+ 20\)/,
    );
    const tcp = Buffer.from(good);
    tcp[32] = 0x40;
    assert.throws(() => decodeFeedbackRecord(tcp), /TCP header length 16 is below 20/);
  });
});
