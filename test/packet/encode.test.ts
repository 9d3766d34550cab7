import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { forEachRecord } from '../../src/capture/index.ts';
import {
  DecodeContext,
  DecodeStatus,
  decodeRecord,
  decodeTcp,
  encodeIpv4Tcp,
  encodeIpv6Tcp,
  internetChecksum,
  newPacketView,
  type PacketView,
  type TcpOptions,
  type TcpSegmentSpec,
  tcpOptionsOf,
  verifyTcpChecksum,
  writeIpv4Tcp,
} from '../../src/packet/index.ts';
import { corpusFile } from '../helpers/corpus.ts';

/** Reference checksum, written differently on purpose: word by word with end-around carry. */
function referenceChecksum(bytes: number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += (bytes[i] << 8) + (i + 1 < bytes.length ? bytes[i + 1] : 0);
    if (sum > 0xffff) sum -= 0xffff;
  }
  return ~sum & 0xffff;
}

function bytesOf(value: number, size: number): number[] {
  return Array.from({ length: size }, (_, i) => Math.floor(value / 256 ** (size - 1 - i)) % 256);
}

/** The TCP checksum of a packet recomputed from scratch, with its checksum field taken as zero. */
function referenceTcpChecksum(packet: Buffer, version: 4 | 6): number {
  const ipHeader = version === 4 ? 20 : 40;
  const segment = [...packet.subarray(ipHeader)];
  segment[16] = 0;
  segment[17] = 0;
  const pseudo =
    version === 4
      ? [...packet.subarray(12, 20), 0, 6, ...bytesOf(segment.length, 2)]
      : [...packet.subarray(8, 40), ...bytesOf(segment.length, 4), 0, 0, 0, 6];
  return referenceChecksum([...pseudo, ...segment]);
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const optionsArb: fc.Arbitrary<TcpOptions> = fc
  .record(
    {
      mss: u16,
      windowScale: fc.integer({ min: 0, max: 14 }),
      sackPermitted: fc.constant(true),
      sack: fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 3 }),
      tsVal: u32,
      tsEcr: u32,
    },
    { requiredKeys: [] },
  )
  .filter(
    (o) =>
      !(
        o.sack !== undefined &&
        o.sack.length === 3 &&
        o.tsVal !== undefined &&
        (o.mss !== undefined || o.windowScale !== undefined)
      ),
  )
  .map((o) => (o.tsVal === undefined ? { ...o, tsEcr: undefined } : { tsEcr: 0, ...o }))
  .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as TcpOptions);

const common = {
  srcPort: u16,
  dstPort: u16,
  seq: u32,
  ack: u32,
  flags: fc.integer({ min: 0, max: 255 }),
  window: u16,
  options: optionsArb,
  payload: fc.uint8Array({ maxLength: 1500 }),
  ttl: fc.integer({ min: 0, max: 255 }),
};
const spec4 = fc.record({ ...common, src: u32, dst: u32, ipId: u16, dontFragment: fc.boolean() });
const spec6 = fc.record({
  ...common,
  src: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  dst: fc.uint8Array({ minLength: 16, maxLength: 16 }),
});

function assertDecodesBack(view: PacketView, seg: TcpSegmentSpec): void {
  assert.equal(view.srcPort, seg.srcPort);
  assert.equal(view.dstPort, seg.dstPort);
  assert.equal(view.seq, seg.seq);
  assert.equal(view.ack, seg.ack);
  assert.equal(view.flags, seg.flags);
  assert.equal(view.window, seg.window);
  assert.equal(view.ttl, seg.ttl);
  assert.deepEqual(tcpOptionsOf(view), seg.options);
  const payload = view.buf.subarray(view.payloadOffset, view.payloadOffset + view.payloadLength);
  assert.deepEqual(new Uint8Array(payload), seg.payload);
  assert.equal(view.payloadWireLength, seg.payload?.length);
  assert.ok(verifyTcpChecksum(view));
}

describe('encode', () => {
  it('IPv4: any valid segment decodes back to the same fields, with checksums a reference agrees with', () => {
    const view = newPacketView();
    const ctx = new DecodeContext();
    fc.assert(
      fc.property(spec4, (seg) => {
        const packet = encodeIpv4Tcp(seg);
        assert.equal(decodeTcp(228, packet, 0, packet.length, view, ctx), DecodeStatus.TCP);
        assert.equal(view.src4, seg.src);
        assert.equal(view.dst4, seg.dst);
        assertDecodesBack(view, seg);
        assert.equal(internetChecksum(packet, 0, 20), 0, 'IP header checksum');
        assert.equal(
          packet.readUInt16BE(10),
          referenceChecksum([...packet.subarray(0, 10), 0, 0, ...packet.subarray(12, 20)]),
        );
        assert.equal(packet.readUInt16BE(36), referenceTcpChecksum(packet, 4));
        assert.equal(packet.readUInt16BE(4), seg.ipId);
        assert.equal(packet[6] === 0x40, seg.dontFragment);
      }),
      { numRuns: 300 },
    );
  });

  it('IPv6: any valid segment decodes back to the same fields, with a checksum a reference agrees with', () => {
    const view = newPacketView();
    const ctx = new DecodeContext();
    fc.assert(
      fc.property(spec6, (seg) => {
        const packet = encodeIpv6Tcp(seg);
        assert.equal(decodeTcp(229, packet, 0, packet.length, view, ctx), DecodeStatus.TCP);
        assert.deepEqual(view.src6, seg.src);
        assert.deepEqual(view.dst6, seg.dst);
        assertDecodesBack(view, seg);
        assert.equal(packet.readUInt16BE(56), referenceTcpChecksum(packet, 6));
      }),
      { numRuns: 300 },
    );
  });

  it('writes into a caller buffer at an offset, and refuses a buffer that is too small', () => {
    const out = Buffer.alloc(100, 0xff);
    const seg = { src: 1, dst: 2, srcPort: 3, dstPort: 4, seq: 5, ack: 6, flags: 0x10, window: 7 };
    assert.equal(writeIpv4Tcp(seg, out, 10), 40);
    assert.equal(out[9], 0xff);
    assert.equal(out[50], 0xff);
    assert.deepEqual(encodeIpv4Tcp(seg, out), encodeIpv4Tcp(seg));
    assert.throws(() => writeIpv4Tcp(seg, Buffer.alloc(39)), /needs 40 bytes/);
    assert.throws(
      () =>
        encodeIpv4Tcp({
          ...seg,
          options: {
            mss: 1,
            tsVal: 1,
            windowScale: 1,
            sack: [
              [1, 2],
              [3, 4],
              [5, 6],
            ],
          },
        }),
      /TCP options need 48 bytes/,
    );
  });

  it('re-encodes captured IPv6 SYN-ACKs byte for byte (zeek ipv6-http-atomic-frag)', async () => {
    const view = newPacketView();
    const ctx = new DecodeContext();
    let compared = 0;
    await forEachRecord(corpusFile('zeek_ipv6-http-atomic-frag.pcap'), (record) => {
      if (decodeRecord(record, view, ctx) !== DecodeStatus.TCP || view.flags !== 0x12) return;
      const captured = view.buf.subarray(view.ipOffset, view.payloadOffset + view.payloadLength);
      const encoded = encodeIpv6Tcp({
        src: view.src6,
        dst: view.dst6,
        srcPort: view.srcPort,
        dstPort: view.dstPort,
        seq: view.seq,
        ack: view.ack,
        flags: view.flags,
        window: view.window,
        options: tcpOptionsOf(view),
        ttl: view.ttl,
      });
      assert.deepEqual(encoded, Buffer.from(captured));
      compared++;
    });
    assert.equal(compared, 4);
  });
});
