import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CaptureRecord, LinkType } from '../../src/capture/record.ts';
import { ResponseDecoder } from '../../src/intercept/decode-response.ts';
import { responseRecord } from '../../src/intercept/response-record.ts';
import { RouteTable } from '../../src/intercept/route-table.ts';
import { Router } from '../../src/intercept/router.ts';
import { encodeIpv4Tcp, encodeIpv6Tcp, parseIpv6, TcpFlag } from '../../src/packet/index.ts';
import { CLIENT, response, routeFor, TARGET } from './helpers.ts';

function rawRecord(frame: Buffer): CaptureRecord {
  const length = frame.length;
  const at = { index: 0, fileOffset: -1, interfaceId: 0, tsSec: 0, tsNsec: 0, offset: 0 };
  return { ...at, linkType: LinkType.RAW, buf: frame, capturedLength: length, originalLength: length };
}

function decode(frame: Buffer) {
  const view = new ResponseDecoder().decode(rawRecord(frame));
  assert.ok(view);
  return view;
}

/** The same packet with 8 bytes of IPv4 options (two NOPs' worth of padding is enough here). */
function withIpOptions(packet: Buffer): Buffer {
  const out = Buffer.concat([
    packet.subarray(0, 20),
    Buffer.from([1, 1, 1, 1, 1, 1, 1, 0]),
    packet.subarray(20),
  ]);
  out[0] = 0x47;
  out.writeUInt16BE(packet.length + 8, 2);
  return out;
}

describe('response records', () => {
  it('drop IPv4 options consistently: IHL 5 and total length still giving the payload length', () => {
    const plain = response(40001, TcpFlag.ACK, 1, 300);
    const record = responseRecord(decode(withIpOptions(plain)));
    assert.equal(record[0], 0x45);
    assert.equal(record.readUInt16BE(2), plain.length);
    assert.deepEqual(record.subarray(20, 40), plain.subarray(20, 40));
  });

  it('carry the first 24 bytes of longer TCP options, data offset as captured (like intercept 1.0)', () => {
    const packet = encodeIpv4Tcp({
      src: TARGET,
      dst: CLIENT,
      srcPort: 8080,
      dstPort: 40001,
      seq: 1,
      ack: 1,
      flags: TcpFlag.ACK,
      window: 100,
      options: {
        tsVal: 7,
        tsEcr: 9,
        sack: [
          [1, 2],
          [3, 4],
        ],
      },
    });
    const view = decode(packet);
    assert.ok(view.tcpHeaderLength > 44);
    const record = responseRecord(view);
    assert.deepEqual(record.subarray(20, 64), packet.subarray(20, 64));
    assert.equal((record[32] >> 4) * 4, view.tcpHeaderLength);
  });

  it('IPv6 responses are not decodable into the v1 format', () => {
    const v6 = encodeIpv6Tcp({
      src: parseIpv6('2001:db8::2'),
      dst: parseIpv6('2001:db8::1'),
      srcPort: 8080,
      dstPort: 40001,
      seq: 1,
      ack: 1,
      flags: TcpFlag.ACK,
      window: 100,
    });
    assert.equal(new ResponseDecoder().decode(rawRecord(v6)), undefined);
  });
});

describe('route table', () => {
  const options = { idleMs: 1000, closeGraceMs: 100, maxRoutes: 2 };

  it('expires idle routes, and closing ones after the grace even if responses keep coming', () => {
    const table = new RouteTable<string>(options);
    const r = routeFor(40001);
    table.add(r, 'a', 0);
    assert.equal(table.lookup(r.clientIp, r.clientPort, TARGET, 8080, 900), 'a');
    assert.equal(table.lookup(r.clientIp, r.clientPort, TARGET, 8080, 1800), 'a', 'a response refreshes it');
    table.closing(r.clientIp, r.clientPort, TARGET, 8080, 1800);
    assert.equal(table.lookup(r.clientIp, r.clientPort, TARGET, 8080, 1850), 'a');
    assert.equal(table.lookup(r.clientIp, r.clientPort, TARGET, 8080, 1950), undefined);
    assert.equal(table.expire(1950), 1);
    assert.equal(table.size, 0);
  });

  it('refuses routes beyond its bound and forgets a disconnected peer', () => {
    const table = new RouteTable<string>(options);
    assert.ok(table.add(routeFor(1), 'a', 0));
    assert.ok(table.add(routeFor(2), 'b', 0));
    assert.equal(table.add(routeFor(3), 'a', 0), false);
    assert.ok(table.add(routeFor(1), 'b', 0), 'an existing route can still move');
    assert.equal(table.removePeer('b'), 2);
    assert.equal(table.size, 0);
  });
});

describe('router', () => {
  it('a target RST starts the close grace of its route', () => {
    const got: number[] = [];
    const sink = { deliver: (r: Uint8Array) => got.push(r[33]) };
    const router = new Router<typeof sink>({
      routes: { idleMs: 60_000, closeGraceMs: 100, maxRoutes: 10 },
      held: { holdMs: 1000, maxRecords: 10 },
    });
    router.add(sink, routeFor(40001), 0);
    router.response(decode(response(40001, TcpFlag.RST)), 10);
    router.response(decode(response(40001, TcpFlag.ACK)), 50);
    router.expire(200);
    router.response(decode(response(40001, TcpFlag.ACK)), 200);
    assert.deepEqual(got, [TcpFlag.RST, TcpFlag.ACK]);
    assert.equal(router.totals.unroutable, 1);
    assert.equal(router.routesActive, 0);
  });
});
