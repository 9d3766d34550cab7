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

  it('a full table makes room from expired routes the sweep has not reached yet', () => {
    const table = new RouteTable<string>(options);
    assert.ok(table.add(routeFor(1), 'a', 0));
    assert.ok(table.add(routeFor(2), 'a', 0));
    assert.equal(table.add(routeFor(3), 'a', 500), false, 'full, nothing expired');
    assert.ok(table.add(routeFor(3), 'a', 1000), 'the routes of 0 expired at 1000');
    assert.equal(table.size, 1);
  });

  it('counts the routes of each peer through moves, expiry and removal', () => {
    const table = new RouteTable<string>({ idleMs: 1000, closeGraceMs: 100, maxRoutes: 10 });
    table.add(routeFor(1), 'a', 0);
    table.add(routeFor(2), 'a', 500);
    table.add(routeFor(3), 'b', 0);
    table.add(routeFor(1), 'b', 0);
    assert.deepEqual([table.routesOf('a'), table.routesOf('b')], [1, 2]);
    assert.equal(table.expire(1000), 2, 'the routes added at 0 expire');
    assert.deepEqual([table.routesOf('a'), table.routesOf('b')], [1, 0]);
    assert.equal(table.removePeer('b'), 0);
    assert.equal(table.removePeer('a'), 1);
    assert.equal(table.size, 0);
  });

  it('sweeps a large table in slices, resuming where it stopped, until every expired route is gone', () => {
    const routes = 100_000;
    const table = new RouteTable<string>({ idleMs: 1000, closeGraceMs: 100, maxRoutes: routes });
    for (let i = 0; i < routes; i++)
      table.add(routeFor(i & 0xffff, CLIENT + (i >>> 16)), 'a', i % 2 === 0 ? 0 : 5000);
    const slices: number[] = [];
    while (table.size > routes / 2) {
      const removed = table.expireSome(1000, 5000);
      assert.ok(removed <= 5000, `one slice removed ${removed}`);
      slices.push(removed);
      assert.ok(slices.length <= routes / 5000 + 1, 'one pass, no more');
    }
    assert.equal(table.size, routes / 2, 'the live half stays');
    assert.equal(table.routesOf('a'), routes / 2);
    assert.equal(table.expireSome(1000, 5000) + table.expireSome(1000, routes), 0);
    assert.equal(table.lookup(CLIENT, 1, TARGET, 8080, 1000), 'a');
    assert.equal(table.lookup(CLIENT, 0, TARGET, 8080, 1000), undefined);
  });

  it('forgets a peer that had no routes without walking the whole table (connect-and-close storms)', () => {
    const routes = 200_000;
    const table = new RouteTable<string>({ idleMs: 60_000, closeGraceMs: 100, maxRoutes: routes });
    for (let i = 0; i < routes; i++) table.add(routeFor(i & 0xffff, CLIENT + (i >>> 16)), 'replayer', 0);
    const started = performance.now();
    // Each stranger (a port scan, a health check, a peer dropped before its hello) leaves at once.
    for (let i = 0; i < 1000; i++) assert.equal(table.removePeer(`stranger ${i}`), 0);
    const elapsedMs = performance.now() - started;
    // A walk of the table per stranger takes seconds here (about 15 ms each); the lookup takes microseconds.
    assert.ok(elapsedMs < 500, `1000 strangers took ${elapsedMs.toFixed(0)} ms`);
    assert.equal(table.size, routes);
    assert.equal(table.removePeer('replayer'), routes);
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
    router.sweep(200, 1000);
    router.response(decode(response(40001, TcpFlag.ACK)), 200);
    assert.deepEqual(got, [TcpFlag.RST, TcpFlag.ACK]);
    assert.equal(router.totals.unroutable, 1);
    assert.equal(router.routesActive, 0);
  });
});
