import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeContext,
  DecodeStatus,
  decodeTcp,
  formatIpv6,
  newPacketView,
  type PacketView,
} from '../../src/packet/index.ts';
import {
  bsdFamily,
  CLIENT4,
  CLIENT6,
  ethernet,
  linuxSll,
  linuxSll2,
  mpls,
  pppoeSession,
  SERVER4,
  tcp4,
  tcp6,
} from './build.ts';

function decode(
  linkType: number,
  packet: Buffer,
): { status: DecodeStatus; view: PacketView; ctx: DecodeContext } {
  const view = newPacketView();
  const ctx = new DecodeContext();
  const status = decodeTcp(linkType, packet, 0, packet.length, view, ctx);
  return { status, view, ctx };
}

function assertIpv4Request(linkType: number, packet: Buffer): void {
  const { status, view } = decode(linkType, packet);
  assert.equal(status, DecodeStatus.TCP);
  assert.equal(view.ipVersion, 4);
  assert.equal(view.src4, CLIENT4);
  assert.equal(view.dst4, SERVER4);
  assert.equal(view.srcPort, 40000);
  assert.equal(view.dstPort, 80);
  assert.equal(view.seq, 0xfffffff0);
  assert.equal(view.ack, 12345);
  assert.equal(view.flags, 0x18);
  assert.equal(view.window, 502);
  const payload = view.buf.toString('latin1', view.payloadOffset, view.payloadOffset + view.payloadLength);
  assert.equal(payload, 'GET / HTTP/1.1\r\n\r\n');
  assert.equal(view.payloadWireLength, view.payloadLength);
}

function assertIpv6Request(linkType: number, packet: Buffer): void {
  const { status, view } = decode(linkType, packet);
  assert.equal(status, DecodeStatus.TCP);
  assert.equal(view.ipVersion, 6);
  assert.equal(formatIpv6(view.src6), '2001:db8::1');
  assert.equal(formatIpv6(view.dst6), '2001:db8::2:0:9');
  assert.deepEqual([...view.src6], [...CLIENT6]);
  assert.equal(view.ipHeaderLength, 40);
  assert.equal(view.payloadLength, 18);
}

describe('link layers', () => {
  it('Ethernet, IPv4 and IPv6', () => {
    assertIpv4Request(1, ethernet(0x0800, tcp4()));
    assertIpv6Request(1, ethernet(0x86dd, tcp6()));
  });

  it('Ethernet padding is stripped by the IP total length', () => {
    const bare = tcp4({ payload: Buffer.from('x') });
    const padded = Buffer.concat([ethernet(0x0800, bare), Buffer.alloc(60 - 14 - bare.length + 4, 0xee)]);
    const { status, view } = decode(1, padded);
    assert.equal(status, DecodeStatus.TCP);
    assert.equal(view.payloadLength, 1);
    assert.equal(view.payloadWireLength, 1);
  });

  it('802.1Q, QinQ (0x88a8 and 0x9100 outer tags)', () => {
    assertIpv4Request(1, ethernet(0x0800, tcp4(), [0x8100, 100]));
    assertIpv4Request(1, ethernet(0x0800, tcp4(), [0x88a8, 10], [0x8100, 20]));
    assertIpv6Request(1, ethernet(0x86dd, tcp6(), [0x9100, 10], [0x8100, 20]));
  });

  it('MPLS label stacks to IPv4 and IPv6 by version nibble', () => {
    assertIpv4Request(1, ethernet(0x8847, mpls([16, 17], tcp4())));
    assertIpv6Request(1, ethernet(0x8848, mpls([299], tcp6())));
    assertIpv4Request(1, ethernet(0x8847, mpls([16], tcp4()), [0x8100, 7]));
  });

  it('PPPoE session with PPP IPv4 and IPv6, also inside QinQ; PPP control traffic is not IP', () => {
    assertIpv4Request(1, ethernet(0x8864, pppoeSession(0x0021, tcp4())));
    assertIpv6Request(1, ethernet(0x8864, pppoeSession(0x0057, tcp6()), [0x88a8, 1], [0x8100, 2]));
    assert.equal(
      decode(1, ethernet(0x8864, pppoeSession(0xc021, Buffer.alloc(10)))).status,
      DecodeStatus.NOT_IP,
    );
  });

  it('ARP and 802.3 length frames are NOT_IP', () => {
    assert.equal(decode(1, ethernet(0x0806, Buffer.alloc(28))).status, DecodeStatus.NOT_IP);
    assert.equal(decode(1, ethernet(46, Buffer.alloc(46))).status, DecodeStatus.NOT_IP);
  });

  it('Linux SLL and SLL2', () => {
    assertIpv4Request(113, linuxSll(0x0800, tcp4()));
    assertIpv6Request(113, linuxSll(0x86dd, tcp6()));
    assertIpv4Request(276, linuxSll2(0x0800, tcp4()));
    assertIpv6Request(276, linuxSll2(0x86dd, tcp6()));
  });

  it('BSD NULL in either byte order, every IPv6 family value; LOOP in network order', () => {
    for (const littleEndian of [true, false]) {
      assertIpv4Request(0, bsdFamily(2, littleEndian, tcp4()));
      for (const family of [24, 28, 30]) assertIpv6Request(0, bsdFamily(family, littleEndian, tcp6()));
    }
    assert.equal(decode(0, bsdFamily(7, true, tcp4())).status, DecodeStatus.NOT_IP);
    assertIpv4Request(108, bsdFamily(2, false, tcp4()));
    assertIpv6Request(108, bsdFamily(24, false, tcp6()));
  });

  it('RAW by version nibble, and IPV4 (228) / IPV6 (229)', () => {
    assertIpv4Request(101, tcp4());
    assertIpv6Request(101, tcp6());
    assertIpv4Request(228, tcp4());
    assertIpv6Request(229, tcp6());
  });

  it('an IP version that disagrees with the link layer is MALFORMED ip-version', () => {
    const { status, ctx } = decode(228, tcp6());
    assert.equal(status, DecodeStatus.MALFORMED);
    assert.equal(ctx.lastMalformed, 'ip-version');
    assert.equal(decode(101, Buffer.from([0x50, 0, 0, 0])).status, DecodeStatus.MALFORMED);
  });

  it('unknown link types, ETHERNET_MPACKET (274) included, are UNSUPPORTED_LINK', () => {
    for (const linkType of [274, 105, 9999]) {
      const { status, ctx } = decode(linkType, ethernet(0x0800, tcp4()));
      assert.equal(status, DecodeStatus.UNSUPPORTED_LINK);
      assert.equal(ctx.summary().statuses.UNSUPPORTED_LINK, 1);
    }
  });

  it('link headers cut by the snap length are TRUNCATED link', () => {
    const cases: Array<[number, Buffer]> = [
      [1, ethernet(0x0800, tcp4()).subarray(0, 13)],
      [1, ethernet(0x0800, Buffer.alloc(0), [0x8100, 1]).subarray(0, 16)],
      [1, ethernet(0x8847, mpls([1, 2], tcp4())).subarray(0, 20)],
      [1, ethernet(0x8864, pppoeSession(0x21, tcp4())).subarray(0, 20)],
      [113, linuxSll(0x0800, tcp4()).subarray(0, 15)],
      [276, linuxSll2(0x0800, tcp4()).subarray(0, 19)],
      [0, Buffer.from([2, 0])],
      [101, Buffer.alloc(0)],
    ];
    for (const [linkType, packet] of cases) {
      const { status, ctx } = decode(linkType, packet);
      assert.equal(status, DecodeStatus.TRUNCATED, `link ${linkType}, ${packet.length} bytes`);
      assert.equal(ctx.lastTruncated, 'link');
    }
  });

  it('decodes a packet in the middle of a larger buffer, reading only its own range', () => {
    const packet = ethernet(0x0800, tcp4());
    const buf = Buffer.concat([Buffer.alloc(7, 0xaa), packet, Buffer.alloc(9, 0xbb)]);
    const view = newPacketView();
    assert.equal(decodeTcp(1, buf, 7, packet.length, view, new DecodeContext()), DecodeStatus.TCP);
    assert.equal(view.ipOffset, 7 + 14);
    assert.equal(view.payloadOffset + view.payloadLength, 7 + packet.length);
  });
});
