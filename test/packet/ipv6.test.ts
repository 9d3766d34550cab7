import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeContext,
  DecodeStatus,
  decodeTcp,
  newPacketView,
  type PacketView,
} from '../../src/packet/index.ts';
import { tcp6, withIpv6Extensions } from './build.ts';

const RAW = 101;

function decode(packet: Buffer): { status: DecodeStatus; view: PacketView; ctx: DecodeContext } {
  const view = newPacketView();
  const ctx = new DecodeContext();
  return { status: decodeTcp(RAW, packet, 0, packet.length, view, ctx), view, ctx };
}

const hopByHop = Buffer.from([0, 0, 1, 4, 0, 0, 0, 0]);
const routing = Buffer.from([0, 1, 0, 0, 0, 0, 0, 0, ...new Array(8).fill(0)]);
const destinationOptions = Buffer.from([0, 0, 1, 4, 0, 0, 0, 0]);
const atomicFragment = Buffer.from([0, 0, 0, 0, 0, 0, 0x12, 0x34]);
// AH: payload length 4 means (4 + 2) * 4 = 24 bytes.
const authentication = Buffer.from([0, 4, 0, 0, ...new Array(20).fill(0)]);

describe('IPv6', () => {
  it('skips hop-by-hop, routing, destination options, atomic fragment and AH headers', () => {
    const packet = withIpv6Extensions(tcp6(), [
      [0, hopByHop],
      [43, routing],
      [44, atomicFragment],
      [51, authentication],
      [60, destinationOptions],
    ]);
    const { status, view, ctx } = decode(packet);
    assert.equal(status, DecodeStatus.TCP);
    assert.equal(view.ipHeaderLength, 40 + 8 + 16 + 8 + 24 + 8);
    assert.equal(view.payloadLength, 18);
    assert.equal(view.srcPort, 40000);
    assert.equal(ctx.ipv6AtomicFragments, 1);
  });

  it('No Next Header and other upper layers are NOT_TCP, counted by protocol', () => {
    const none = withIpv6Extensions(tcp6(), [[60, destinationOptions]]);
    none[40] = 59;
    const { status, ctx } = decode(none);
    assert.equal(status, DecodeStatus.NOT_TCP);
    assert.deepEqual(ctx.summary().notTcpByProtocol, { 59: 1 });
    const udp = tcp6();
    udp[6] = 17;
    assert.equal(decode(udp).ctx.lastProtocol, 17);
  });

  it('an extension header cut by the snap length is TRUNCATED ipv6-extension; one past the payload is MALFORMED', () => {
    const packet = withIpv6Extensions(tcp6(), [[43, routing]]);
    const cut = decode(packet.subarray(0, 50));
    assert.equal(cut.status, DecodeStatus.TRUNCATED);
    assert.equal(cut.ctx.lastTruncated, 'ipv6-extension');
    const overlong = Buffer.from(packet);
    overlong[41] = 200;
    const bad = decode(overlong);
    assert.equal(bad.status, DecodeStatus.MALFORMED);
    assert.equal(bad.ctx.lastMalformed, 'ipv6-extension-length');
  });

  it('a fixed header cut by the snap length is TRUNCATED ipv6', () => {
    const { status, ctx } = decode(tcp6().subarray(0, 39));
    assert.equal(status, DecodeStatus.TRUNCATED);
    assert.equal(ctx.lastTruncated, 'ipv6');
  });

  it('takes the payload length over the captured length (trailing bytes dropped, cut payload visible)', () => {
    const padded = Buffer.concat([tcp6(), Buffer.alloc(6, 0xee)]);
    assert.equal(decode(padded).view.payloadLength, 18);
    const { status, view } = decode(tcp6().subarray(0, 70));
    assert.equal(status, DecodeStatus.TCP);
    assert.equal(view.payloadLength, 10);
    assert.equal(view.payloadWireLength, 18);
  });
});
