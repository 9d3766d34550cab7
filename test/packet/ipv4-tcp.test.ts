import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeContext,
  DecodeStatus,
  decodeTcp,
  newPacketView,
  type PacketView,
  tcpOptionsOf,
} from '../../src/packet/index.ts';
import { patchIpv4, tcp4 } from './build.ts';

const RAW = 101;

function decode(
  packet: Buffer,
  ctx = new DecodeContext(),
): { status: DecodeStatus; view: PacketView; ctx: DecodeContext } {
  const view = newPacketView();
  return { status: decodeTcp(RAW, packet, 0, packet.length, view, ctx), view, ctx };
}

describe('IPv4', () => {
  it('skips IP options to find the TCP header', () => {
    const plain = tcp4();
    const withOptions = Buffer.concat([plain.subarray(0, 20), Buffer.from([1, 1, 1, 0]), plain.subarray(20)]);
    const packet = patchIpv4(withOptions, (p) => {
      p[0] = 0x46;
      p.writeUInt16BE(p.length, 2);
    });
    const { status, view } = decode(packet);
    assert.equal(status, DecodeStatus.TCP);
    assert.equal(view.ipHeaderLength, 24);
    assert.equal(view.tcpOffset, 24);
    assert.equal(view.payloadLength, 18);
  });

  it('counts non-TCP packets by protocol', () => {
    const ctx = new DecodeContext();
    const udp = patchIpv4(tcp4(), (p) => {
      p[9] = 17;
    });
    const icmp = patchIpv4(tcp4(), (p) => {
      p[9] = 1;
    });
    for (const packet of [udp, udp, icmp]) assert.equal(decode(packet, ctx).status, DecodeStatus.NOT_TCP);
    assert.deepEqual(ctx.summary().notTcpByProtocol, { 1: 1, 17: 2 });
    assert.equal(ctx.summary().statuses.NOT_TCP, 3);
  });

  it('rejects bad header and total lengths with named reasons', () => {
    const cases: Array<[string, Buffer]> = [
      ['ipv4-header-length', patchIpv4(tcp4(), (p) => (p[0] = 0x44))],
      ['ipv4-total-length', patchIpv4(tcp4(), (p) => p.writeUInt16BE(19, 2))],
      ['ip-version', Buffer.from([0x75, ...tcp4().subarray(1)])],
      ['tcp-segment-length', patchIpv4(tcp4(), (p) => p.writeUInt16BE(30, 2))],
      ['tcp-data-offset', patchIpv4(tcp4(), (p) => (p[32] = 0x40))],
      ['tcp-data-offset', patchIpv4(tcp4(), (p) => (p[32] = 0xf0))],
    ];
    for (const [reason, packet] of cases) {
      const { status, ctx } = decode(packet);
      assert.equal(status, DecodeStatus.MALFORMED, reason);
      assert.equal(ctx.lastMalformed, reason);
      assert.equal(ctx.summary().malformed[reason as 'ip-version'], 1);
    }
  });

  it('names the header that the snap length cut', () => {
    const packet = tcp4();
    const cases: Array<[number, string]> = [
      [19, 'ipv4'],
      [20, 'tcp'],
      [39, 'tcp'],
    ];
    for (const [length, header] of cases) {
      const { status, ctx } = decode(packet.subarray(0, length));
      assert.equal(status, DecodeStatus.TRUNCATED, `${length} bytes`);
      assert.equal(ctx.lastTruncated, header);
    }
    const withOptions = patchIpv4(tcp4().subarray(0, 22), (p) => (p[0] = 0x46));
    assert.equal(decode(withOptions).ctx.lastTruncated, 'ipv4');
  });

  it('a payload cut by the snap length shows as payloadLength < payloadWireLength', () => {
    const packet = tcp4({ payload: Buffer.alloc(1000, 0x61) }).subarray(0, 96 - 14);
    const { status, view } = decode(packet);
    assert.equal(status, DecodeStatus.TCP);
    assert.equal(view.payloadLength, 96 - 14 - 40);
    assert.equal(view.payloadWireLength, 1000);
  });

  it('a TCP header cut inside its options still decodes; options are unavailable, payload fully cut', () => {
    const packet = tcp4({
      flags: 0x02,
      options: { mss: 1460, sackPermitted: true, tsVal: 1, tsEcr: 0, windowScale: 7 },
      payload: undefined,
    });
    assert.deepEqual(tcpOptionsOf(decode(packet).view), {
      mss: 1460,
      sackPermitted: true,
      tsVal: 1,
      tsEcr: 0,
      windowScale: 7,
    });
    const { status, view, ctx } = decode(packet.subarray(0, 48));
    assert.equal(status, DecodeStatus.TCP);
    assert.equal(view.flags, 0x02);
    assert.equal(view.seq, 0xfffffff0);
    assert.equal(view.tcpHeaderLength, 40);
    assert.equal(view.payloadLength, 0);
    assert.equal(view.payloadWireLength, 0);
    assert.deepEqual(tcpOptionsOf(view), {});
    assert.equal(ctx.summary().tcpOptionsCut, 1);
  });

  it('a total length of 0 (TSO capture on the sender) is taken as the captured length', () => {
    const packet = patchIpv4(tcp4(), (p) => p.writeUInt16BE(0, 2));
    const { status, view } = decode(packet);
    assert.equal(status, DecodeStatus.TCP);
    assert.equal(view.payloadLength, 18);
  });
});
