import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CaptureRecord, LinkType } from '../../src/capture/record.ts';
import { DecodeContext } from '../../src/packet/context.ts';
import { decodeRecord } from '../../src/packet/decode.ts';
import { encodeIpv4Tcp } from '../../src/packet/encode.ts';
import { DecodeStatus } from '../../src/packet/status.ts';
import { newPacketView, TcpFlag } from '../../src/packet/view.ts';

/** A pure ACK whose IPv4 total length claims 71 bytes more than the packet has, as a raw-IP record. */
function ackClaimingMore(originalLength: (captured: number) => number): CaptureRecord {
  const packet = encodeIpv4Tcp({
    src: 0x0a000002,
    dst: 0x0a000001,
    srcPort: 40000,
    dstPort: 23,
    seq: 1000,
    ack: 5000,
    flags: TcpFlag.ACK,
    window: 1024,
    options: {},
  });
  packet.writeUInt16BE(packet.length + 71, 2); // another packet's length, copied
  return {
    index: 0,
    fileOffset: 24,
    linkType: LinkType.IPV4,
    interfaceId: 0,
    tsSec: 1_700_000_000,
    tsNsec: 0,
    capturedLength: packet.length,
    originalLength: originalLength(packet.length),
    buf: packet,
    offset: 0,
  };
}

function decoded(record: CaptureRecord) {
  const view = newPacketView();
  const ctx = new DecodeContext();
  assert.equal(decodeRecord(record, view, ctx), DecodeStatus.TCP);
  return { view, ctx };
}

describe('an IP length beyond the frame', () => {
  it('in a record that says the frame is whole: read to the frame end, no payload cut, counted', () => {
    const { view, ctx } = decoded(ackClaimingMore((captured) => captured));
    assert.equal(view.payloadLength, 0);
    assert.equal(view.payloadWireLength, 0, 'no payload was cut by the snap length');
    assert.equal(ctx.ipLengthBeyondFrame, 1);
  });

  it('in a record cut by the snap length, or whose original length says nothing (0): payload cut, as before', () => {
    for (const original of [(captured: number) => captured + 71, () => 0]) {
      const { view, ctx } = decoded(ackClaimingMore(original));
      assert.equal(view.payloadWireLength, 71);
      assert.equal(ctx.ipLengthBeyondFrame, 0);
    }
  });
});
