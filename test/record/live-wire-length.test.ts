import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wireLengthOf } from '../../src/capture/live-wire-length.ts';
import { LinkType } from '../../src/capture/record.ts';

function ethernetIpv4(totalLength: number, vlan = false): Buffer {
  const link = Buffer.alloc(vlan ? 18 : 14);
  link.writeUInt16BE(vlan ? 0x8100 : 0x0800, 12);
  if (vlan) link.writeUInt16BE(0x0800, 16);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(totalLength, 2);
  return Buffer.concat([link, ip]);
}

describe('wireLengthOf', () => {
  it('recovers the length of a cut IPv4 packet from its header, through VLAN tags', () => {
    const frame = ethernetIpv4(1500);
    assert.equal(wireLengthOf(LinkType.ETHERNET, frame, frame.length), 1514);
    const tagged = ethernetIpv4(1500, true);
    assert.equal(wireLengthOf(LinkType.ETHERNET, tagged, tagged.length), 1518);
  });

  it('reads the IPv6 payload length behind a Linux cooked header', () => {
    const frame = Buffer.alloc(16 + 40);
    frame.writeUInt16BE(0x86dd, 14);
    frame[16] = 0x60;
    frame.writeUInt16BE(1000, 16 + 4);
    assert.equal(wireLengthOf(LinkType.LINUX_SLL, frame, frame.length), 16 + 40 + 1000);
  });

  it('keeps the captured length when the header cannot tell (TSO length 0, cut header, not IP)', () => {
    const tso = ethernetIpv4(0);
    assert.equal(wireLengthOf(LinkType.ETHERNET, tso, tso.length), tso.length);
    const frame = ethernetIpv4(1500);
    assert.equal(wireLengthOf(LinkType.ETHERNET, frame, 15), 15);
    assert.equal(wireLengthOf(147, frame, frame.length), frame.length);
  });
});
