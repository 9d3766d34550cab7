import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  DecodeContext,
  DecodeStatus,
  decodeTcp,
  newPacketView,
  type PacketView,
} from '../../src/packet/index.ts';
import {
  bsdFamily,
  ethernet,
  ipv4Fragment,
  ipv6Fragment,
  linuxSll2,
  mpls,
  pppoeSession,
  tcp4,
  tcp6,
  withIpv6Extensions,
} from './build.ts';

const LINK_TYPES = [0, 1, 101, 108, 113, 228, 229, 276, 274];
const options = { mss: 1460, sackPermitted: true, tsVal: 7, tsEcr: 9, windowScale: 7 };
const request = tcp4({ payload: Buffer.alloc(100, 0x41) });
const request6 = tcp6({ payload: Buffer.alloc(100, 0x41) });
const seeds: Array<[number, Buffer]> = [
  [1, ethernet(0x0800, tcp4({ options }))],
  [
    1,
    ethernet(
      0x86dd,
      withIpv6Extensions(tcp6(), [
        [0, Buffer.alloc(8)],
        [44, Buffer.alloc(8)],
      ]),
      [0x8100, 3],
    ),
  ],
  [1, ethernet(0x8847, mpls([1, 2], tcp4()), [0x88a8, 1], [0x8100, 2])],
  [1, ethernet(0x8864, pppoeSession(0x57, tcp6({ options })))],
  [276, linuxSll2(0x0800, tcp4())],
  [0, bsdFamily(30, true, tcp6())],
  [101, ipv4Fragment(request, 0, 64, true)],
  [101, ipv4Fragment(request, 64, request.length - 20, false)],
  [101, ipv6Fragment(request6, 0, 64, true)],
  [101, ipv6Fragment(request6, 64, request6.length - 40, false)],
];

/** A packet (link type, bytes) and the bytes that followed it before it was cut. */
type Sample = [linkType: number, bytes: Uint8Array, cutOff: Uint8Array];

const sampleArb: fc.Arbitrary<Sample> = fc.oneof(
  fc.tuple(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 120 }), fc.constant(new Uint8Array(0))),
  fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.option(fc.nat()),
    )
    .map(([[linkType, seed], changes, cut]): Sample => {
      const bytes = Buffer.from(seed);
      for (const [at, value] of changes) bytes[at % bytes.length] = value;
      const length = cut === null ? bytes.length : cut % (bytes.length + 1);
      return [linkType, bytes.subarray(0, length), bytes.subarray(length)];
    }),
);

/** The view's fields and payload bytes, independent of which buffer holds them. */
function snapshot(status: DecodeStatus, view: PacketView, ctx: DecodeContext, start: number): unknown {
  if (status !== DecodeStatus.TCP)
    return { status, truncated: ctx.lastTruncated, malformed: ctx.lastMalformed };
  const own = view.buf.length > 60000;
  const { buf, src6, dst6, ...fields } = view;
  const base = own ? 0 : start;
  return {
    ...fields,
    ipOffset: view.ipOffset - base,
    tcpOffset: view.tcpOffset - base,
    payloadOffset: view.payloadOffset - base,
    src6: [...src6],
    dst6: [...dst6],
    payload: buf.toString('hex', view.payloadOffset, view.payloadOffset + view.payloadLength),
  };
}

/**
 * Decodes each packet in a buffer where the bytes after it are either zeros or (as in a capture
 * reader's chunk) the rest of the original packet: a decoder reading past the end sees a difference.
 */
function decodeAll(samples: Sample[], withCutOffBytes: boolean): unknown[] {
  const ctx = new DecodeContext();
  const view = newPacketView();
  return samples.map(([linkType, bytes, cutOff]) => {
    const buf = Buffer.alloc(32 + bytes.length + cutOff.length + 32, withCutOffBytes ? 0xff : 0);
    buf.set(bytes, 32);
    if (withCutOffBytes) buf.set(cutOff, 32 + bytes.length);
    const status = decodeTcp(linkType, buf, 32, bytes.length, view, ctx);
    assert.ok(status >= DecodeStatus.TCP && status <= DecodeStatus.UNSUPPORTED_LINK);
    if (status === DecodeStatus.TCP && view.buf === buf) {
      assert.ok(view.ipOffset >= 32);
      assert.ok(view.tcpOffset + 20 <= 32 + bytes.length);
      assert.ok(view.payloadOffset + view.payloadLength <= 32 + bytes.length);
    }
    if (status === DecodeStatus.TCP) assert.ok(view.payloadLength <= view.payloadWireLength);
    return snapshot(status, view, ctx, 32);
  });
}

describe('decodeTcp on random and mutated bytes', () => {
  it('returns a status, never throws, and never reads outside the packet', () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 8 }), (samples) => {
        assert.deepEqual(decodeAll(samples, false), decodeAll(samples, true));
      }),
      { numRuns: 3000 },
    );
  });

  it('the seeds themselves decode (so that the mutations start from real packets)', () => {
    const statuses = decodeAll(
      seeds.map(([linkType, bytes]): Sample => [linkType, bytes, new Uint8Array(0)]),
      false,
    ).map((s) => (s as { status?: number }).status ?? DecodeStatus.TCP);
    assert.deepEqual(statuses, [0, 0, 0, 0, 0, 0, 3, 0, 3, 0]);
  });
});
