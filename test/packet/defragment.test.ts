import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachRecord } from '../../src/capture/index.ts';
import {
  DecodeContext,
  DecodeStatus,
  decodeRecord,
  decodeTcp,
  newPacketView,
  type PacketView,
  verifyTcpChecksum,
} from '../../src/packet/index.ts';
import { CORPUS_FILES } from '../helpers/corpus.ts';
import { ipv4Fragment, ipv6Fragment, patchIpv4, tcp4, tcp6 } from './build.ts';

const RAW = 101;
const CORPUS = CORPUS_FILES.slice(0, -1);

function feed(packets: Buffer[], ctx = new DecodeContext(), view = newPacketView()): DecodeStatus[] {
  return packets.map((packet) => decodeTcp(RAW, packet, 0, packet.length, view, ctx));
}

function payloadText(view: PacketView): string {
  return view.buf.toString('latin1', view.payloadOffset, view.payloadOffset + view.payloadLength);
}

const REQUEST = Buffer.from(`GET /${'abcdefghij'.repeat(10)} HTTP/1.1\r\nHost: example\r\n\r\n`);
const datagram = tcp4({ payload: REQUEST, ipId: 0x4242 });
const payloadLength = datagram.length - 20;

describe('IPv4 fragment reassembly', () => {
  it('reassembles fragments that arrive out of order into the original segment', () => {
    const ctx = new DecodeContext();
    const view = newPacketView();
    const fragments = [
      ipv4Fragment(datagram, 48, payloadLength, false),
      ipv4Fragment(datagram, 0, 24, true),
      ipv4Fragment(datagram, 24, 48, true),
    ];
    const statuses = feed(fragments, ctx, view);
    assert.deepEqual(statuses, [DecodeStatus.FRAGMENT_HELD, DecodeStatus.FRAGMENT_HELD, DecodeStatus.TCP]);
    assert.equal(payloadText(view), REQUEST.toString('latin1'));
    assert.equal(view.srcPort, 40000);
    assert.ok(verifyTcpChecksum(view));
    assert.equal(ctx.defragmenter.datagramsHeld, 0);
    assert.equal(ctx.summary().fragments.reassembled, 1);
    assert.equal(ctx.summary().statuses.FRAGMENT_HELD, 2);
  });

  it('keeps the data received first where fragments overlap', () => {
    const view = newPacketView();
    const forged = Buffer.alloc(32, 0x58);
    const statuses = feed(
      [
        ipv4Fragment(datagram, 16, 48, true, forged),
        ipv4Fragment(datagram, 0, 40, true),
        ipv4Fragment(datagram, 40, payloadLength, false),
      ],
      new DecodeContext(),
      view,
    );
    assert.equal(statuses[2], DecodeStatus.TCP);
    const expected = Buffer.from(datagram.subarray(40));
    forged.copy(expected, 0, 0, 28); // bytes 16..48 of the IP payload are the forged ones
    assert.equal(payloadText(view), expected.toString('latin1'));
    assert.ok(!verifyTcpChecksum(view));
  });

  it('reassembles when every fragment arrives twice', () => {
    const view = newPacketView();
    const a = ipv4Fragment(datagram, 0, 64, true);
    const b = ipv4Fragment(datagram, 64, payloadLength, false);
    const statuses = feed([a, a, b], new DecodeContext(), view);
    assert.equal(statuses[2], DecodeStatus.TCP);
    assert.ok(verifyTcpChecksum(view));
  });

  it('takes the timestamp of the completing fragment', () => {
    const ctx = new DecodeContext();
    const view = newPacketView();
    view.tsSec = 100;
    feed([ipv4Fragment(datagram, 0, 64, true)], ctx, view);
    view.tsSec = 101;
    view.tsNsec = 5;
    assert.deepEqual(feed([ipv4Fragment(datagram, 64, payloadLength, false)], ctx, view), [DecodeStatus.TCP]);
    assert.equal(view.tsSec, 101);
    assert.equal(view.tsNsec, 5);
  });

  it('rejects conflicting lengths and non-multiple-of-8 fragments with named reasons', () => {
    const ctx = new DecodeContext();
    const statuses = feed(
      [
        ipv4Fragment(datagram, 0, 20, true),
        ipv4Fragment(datagram, 0, 64, true),
        ipv4Fragment(datagram, 64, payloadLength, false),
        ipv4Fragment(datagram, 64, payloadLength - 8, false),
      ],
      ctx,
    );
    assert.deepEqual(statuses, [
      DecodeStatus.MALFORMED,
      DecodeStatus.FRAGMENT_HELD,
      DecodeStatus.TCP,
      DecodeStatus.FRAGMENT_HELD,
    ]);
    assert.equal(ctx.summary().malformed['fragment-length'], 1);
    // The held datagram ends at payloadLength - 8: a non-last fragment reaching past it conflicts.
    const conflict = feed([ipv4Fragment(datagram, 0, 160, true, Buffer.alloc(160))], ctx);
    assert.deepEqual(conflict, [DecodeStatus.MALFORMED]);
    assert.equal(ctx.lastMalformed, 'fragment-conflict');
    assert.equal(ctx.defragmenter.datagramsHeld, 0);
  });

  it('drops non-TCP fragments at once and counts them by protocol', () => {
    const ctx = new DecodeContext();
    const udp = patchIpv4(ipv4Fragment(datagram, 0, 64, true), (p) => (p[9] = 17));
    assert.deepEqual(feed([udp], ctx), [DecodeStatus.NOT_TCP]);
    assert.equal(ctx.defragmenter.datagramsHeld, 0);
    assert.deepEqual(ctx.summary().notTcpByProtocol, { 17: 1 });
  });

  it('a fragment cut by the snap length is TRUNCATED fragment', () => {
    const ctx = new DecodeContext();
    assert.deepEqual(feed([ipv4Fragment(datagram, 0, 64, true).subarray(0, 50)], ctx), [
      DecodeStatus.TRUNCATED,
    ]);
    assert.equal(ctx.lastTruncated, 'fragment');
  });

  it('gives up datagrams after the timeout and holds at most maxDatagrams', () => {
    const ctx = new DecodeContext({ maxDatagrams: 3, timeoutSec: 30 });
    const view = newPacketView();
    for (let id = 0; id < 5; id++) {
      const other = patchIpv4(datagram, (p) => p.writeUInt16BE(id, 4));
      feed([ipv4Fragment(other, 0, 64, true)], ctx, view);
    }
    assert.equal(ctx.defragmenter.datagramsHeld, 3);
    assert.equal(ctx.defragmenter.stats.evicted, 2);
    view.tsSec = 31;
    feed([ipv4Fragment(datagram, 64, payloadLength, false)], ctx, view);
    assert.equal(ctx.defragmenter.stats.timedOut, 3);
    assert.equal(ctx.defragmenter.datagramsHeld, 1);
  });

  it('bounds the bytes held', () => {
    const ctx = new DecodeContext({ maxHeldBytes: 64 * 1024 });
    const big = tcp4({ payload: Buffer.alloc(60000, 1) });
    for (let id = 0; id < 4; id++) {
      const other = patchIpv4(big, (p) => p.writeUInt16BE(id, 4));
      feed([ipv4Fragment(other, 59000, 60000, true)], ctx);
    }
    assert.equal(ctx.defragmenter.datagramsHeld, 1);
  });

  it('rejects a datagram larger than 65535 bytes', () => {
    const ctx = new DecodeContext();
    const last = ipv4Fragment(datagram, 0, 64, false);
    last.writeUInt16BE(8189, 6);
    assert.deepEqual(feed([patchIpv4(last, () => {})], ctx), [DecodeStatus.MALFORMED]);
    assert.equal(ctx.lastMalformed, 'fragment-too-large');
  });

  it('reassembles zeek ipv4 fragmented-4 (tiny, out-of-order, overlapping) into the intact HTTP request', async () => {
    const ctx = new DecodeContext();
    const view = newPacketView();
    const requests: string[] = [];
    let checksumOk = false;
    await forEachRecord(`${CORPUS}/zeek_ipv4_fragmented-4.pcap`, (record) => {
      if (decodeRecord(record, view, ctx) === DecodeStatus.TCP && view.payloadLength > 0) {
        requests.push(payloadText(view));
        checksumOk = verifyTcpChecksum(view);
      }
    });
    assert.deepEqual(requests, ['GET /msadc/..%2f../..%2f../..%2f../winnt/system32/cmd.exe?/c+dir+c:\\\n']);
    assert.ok(checksumOk, 'the reassembled segment carries a correct TCP checksum');
    assert.equal(ctx.summary().statuses.FRAGMENT_HELD, 3);
  });
});

describe('IPv6 fragment reassembly', () => {
  const datagram6 = tcp6({ payload: REQUEST });
  const length6 = datagram6.length - 40;

  it('reassembles fragments out of order, through the fragment header', () => {
    const view = newPacketView();
    const statuses = feed(
      [ipv6Fragment(datagram6, 64, length6, false), ipv6Fragment(datagram6, 0, 64, true)],
      new DecodeContext(),
      view,
    );
    assert.deepEqual(statuses, [DecodeStatus.FRAGMENT_HELD, DecodeStatus.TCP]);
    assert.equal(payloadText(view), REQUEST.toString('latin1'));
    assert.ok(verifyTcpChecksum(view));
  });

  it('drops fragments of UDP at once', () => {
    const udp = ipv6Fragment(datagram6, 0, 64, true);
    udp[40] = 17;
    const ctx = new DecodeContext();
    assert.deepEqual(feed([udp], ctx), [DecodeStatus.NOT_TCP]);
    assert.equal(ctx.lastProtocol, 17);
  });

  it('skips atomic fragments and other extension headers (zeek ipv6-http-atomic-frag)', async () => {
    const ctx = new DecodeContext();
    const view = newPacketView();
    let payload = '';
    await forEachRecord(`${CORPUS}/zeek_ipv6-http-atomic-frag.pcap`, (record) => {
      if (decodeRecord(record, view, ctx) === DecodeStatus.TCP) payload += payloadText(view);
    });
    const summary = ctx.summary();
    assert.equal(summary.statuses.TCP, 36);
    assert.deepEqual(summary.notTcpByProtocol, { 58: 2 });
    assert.equal(summary.ipv6AtomicFragments, 5);
    assert.equal(summary.statuses.FRAGMENT_HELD, 0);
    // Four sessions: through destination options, atomic fragments, hop-by-hop and routing headers.
    assert.equal(payload.split('GET /bad.html\r\n').length - 1, 4);
    assert.equal(payload.split('<title>Bad!</title>').length - 1, 4);
  });
});
