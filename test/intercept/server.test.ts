import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { LinkType } from '../../src/capture/record.ts';
import { parseAllowList } from '../../src/intercept/allow-list.ts';
import type { InterceptServer } from '../../src/intercept/server.ts';
import { encodeHello, MAX_RECORDS_PER_FRAME, RECORD_SIZE } from '../../src/intercept/wire.ts';
import { TcpFlag } from '../../src/packet/index.ts';
import {
  CLIENT,
  fieldsOf,
  InjectedSource,
  RawReplayer,
  response,
  routeFor,
  settle,
  startServer,
  TARGET,
  waitFor,
} from './helpers.ts';

const SYN_ACK = TcpFlag.SYN | TcpFlag.ACK;
const DATA = TcpFlag.PSH | TcpFlag.ACK;

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(extra: Parameters<typeof startServer>[1] = {}) {
  const source = new InjectedSource();
  const started = await startServer(source, extra);
  cleanup.push(() => started.server.close());
  return { source, ...started };
}

async function replayer(port: number, hello = true): Promise<RawReplayer> {
  const r = await RawReplayer.connect(port, hello);
  cleanup.push(() => r.close());
  return r;
}

function totals(server: InterceptServer) {
  return server.snapshot().totals;
}

describe('intercept server', () => {
  it('routes a response to the replayer that sent its ADD, headers intact', async () => {
    const { source, server, port } = await setup();
    const r = await replayer(port);
    r.add(routeFor(40001));
    await settle();
    source.emit(response(40001, DATA, 7777, 100));
    await waitFor('a record', () => r.records.length === 1);
    const f = fieldsOf(r.records[0]);
    assert.deepEqual(
      { ...f },
      {
        src: TARGET,
        dst: CLIENT,
        srcPort: 8080,
        dstPort: 40001,
        seq: 7777,
        flags: DATA,
        totalLength: 20 + 20 + 100,
        dataOffset: 20,
      },
    );
    assert.equal(server.snapshot().replayers, 1);
    assert.equal(server.snapshot().routesActive, 1);
    assert.equal(totals(server).routed, 1);
  });

  it('finds the headers inside a Linux cooked (any device) frame and keeps SYN-ACK options', async () => {
    const { source, port } = await setup();
    const r = await replayer(port);
    r.add(routeFor(40002));
    await settle();
    const sll = Buffer.alloc(16);
    sll.writeUInt16BE(4, 0); // sent by us
    sll.writeUInt16BE(1, 2);
    sll.writeUInt16BE(0x0800, 14);
    const packet = response(40002, SYN_ACK);
    source.emit(Buffer.concat([sll, packet]), LinkType.LINUX_SLL);
    await waitFor('a record', () => r.records.length === 1);
    const f = fieldsOf(r.records[0]);
    assert.equal(f.flags, SYN_ACK);
    assert.ok(f.dataOffset > 20, 'SYN-ACK carries options');
    assert.deepEqual(r.records[0].subarray(20, 20 + f.dataOffset), packet.subarray(20, 20 + f.dataOffset));
    assert.ok(
      r.records[0].subarray(20 + f.dataOffset).every((b) => b === 0),
      'zero-padded',
    );
  });

  it('holds an early SYN-ACK until its ADD arrives, and counts other unroutable responses', async () => {
    const { source, server, port } = await setup();
    const r = await replayer(port);
    await settle();
    source.emit(response(40003, SYN_ACK));
    source.emit(response(40004, DATA));
    assert.equal(totals(server).held, 1);
    assert.equal(totals(server).unroutable, 1);
    await settle();
    assert.equal(r.records.length, 0);
    r.add(routeFor(40003));
    await waitFor('the held SYN-ACK', () => r.records.length === 1);
    assert.equal(fieldsOf(r.records[0]).flags, SYN_ACK);
    assert.equal(totals(server).heldDelivered, 1);
    assert.equal(server.snapshot().heldNow, 0);
  });

  it('drops held responses whose ADD never comes', async () => {
    const { source, server } = await setup({
      router: { held: { holdMs: 50, maxRecords: 10 } },
      sweepIntervalMs: 20,
    });
    source.emit(response(40005, TcpFlag.RST));
    await waitFor('expiry', () => totals(server).heldExpired === 1);
    assert.equal(server.snapshot().heldNow, 0);
  });

  it('sends frames of at most 16 records, and a lone record within a few milliseconds', async () => {
    const { source, port } = await setup();
    const r = await replayer(port);
    r.add(routeFor(40006));
    await settle();
    for (let i = 0; i < 40; i++) source.emit(response(40006, DATA, i));
    await waitFor('40 records', () => r.records.length === 40);
    assert.ok(r.frameSizes.every((n) => n <= MAX_RECORDS_PER_FRAME));
    assert.deepEqual(
      r.records.map((rec) => fieldsOf(rec).seq),
      Array.from({ length: 40 }, (_, i) => i),
    );
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = r.records.length;
      const t0 = performance.now();
      source.emit(response(40006, DATA, 100 + i));
      await waitFor('one record', () => r.records.length === before + 1, 1000);
      latencies.push(performance.now() - t0);
    }
    const median = latencies.sort((a, b) => a - b)[2];
    assert.ok(median < 20, `median delivery latency ${median.toFixed(2)} ms`);
  });

  it('routes two replayers independently, the newest ADD winning a shared route', async () => {
    const { source, port } = await setup();
    const a = await replayer(port);
    const b = await replayer(port);
    a.add(routeFor(41000));
    b.add(routeFor(42000));
    await settle();
    source.emit(response(41000, DATA, 1));
    source.emit(response(42000, DATA, 2));
    await waitFor('both', () => a.records.length === 1 && b.records.length === 1);
    assert.equal(fieldsOf(a.records[0]).dstPort, 41000);
    assert.equal(fieldsOf(b.records[0]).dstPort, 42000);
    b.add(routeFor(41000));
    await settle();
    source.emit(response(41000, DATA, 3));
    await waitFor('b gets it', () => b.records.length === 2);
    assert.equal(a.records.length, 1);
  });

  it('drops garbage, a wrong version and a silent peer, without disturbing a good replayer', async () => {
    const { source, server, port, logs } = await setup({ connection: { helloTimeoutMs: 150 } });
    const good = await replayer(port);
    good.add(routeFor(43000));
    const garbage = await replayer(port, false);
    garbage.socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const wrongVersion = await replayer(port, false);
    wrongVersion.socket.write(encodeHello(9));
    const silent = await replayer(port, false);
    silent.socket.write(Buffer.from([0, 0, 0])); // a slowloris: starts a hello, never finishes it
    const probe = await replayer(port, false); // a port scan or a load balancer's health check
    probe.close();
    await waitFor('three dropped', () => garbage.closed && wrongVersion.closed && silent.closed);
    source.emit(response(43000, DATA));
    await waitFor('good replayer served', () => good.records.length === 1);
    assert.equal(good.closed, false);
    assert.equal(totals(server).peersDropped, 3);
    assert.ok(logs.some((l) => /not a hello/.test(l)));
    assert.ok(logs.some((l) => /version 9/.test(l)));
    assert.ok(logs.some((l) => /no hello within 150 ms/.test(l)));
    await waitFor('probe logged', () => logs.some((l) => /closed without a hello/.test(l)));
    assert.ok(!logs.some((l) => /replayer .* disconnected/.test(l)), 'a probe is not called a replayer');
  });

  it('skips unknown message types like intercept 1.0, logging once', async () => {
    const { source, port, logs } = await setup();
    const r = await replayer(port);
    const unknown = Buffer.alloc(14);
    unknown.writeUInt16BE(77, 6);
    r.socket.write(Buffer.concat([unknown, unknown]));
    r.add(routeFor(43500));
    await settle();
    source.emit(response(43500, DATA));
    await waitFor('record', () => r.records.length === 1);
    assert.equal(logs.filter((l) => /unknown message type 77/.test(l)).length, 1);
  });

  it('refuses a peer outside --allow', async () => {
    const { server, port, logs } = await setup({ allow: parseAllowList('10.0.0.0/8') });
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.on('close', resolve));
    assert.equal(totals(server).peersRefused, 1);
    assert.ok(logs.some((l) => /refused replayer 127\.0\.0\.1:\d+: not in --allow 10\.0\.0\.0\/8/.test(l)));
  });

  it('keeps memory bounded for a replayer that stops reading, dropping the oldest, and stays up', async () => {
    const maxQueuedBytes = 64 * 1024;
    const { source, server, port } = await setup({ connection: { maxQueuedBytes } });
    const slow = await replayer(port);
    slow.add(routeFor(44000));
    await settle();
    slow.socket.pause();
    // More than loopback's kernel buffers hold (several MiB each way).
    const sent = 400_000;
    const template = response(44000, DATA);
    const frame = Buffer.alloc(template.length);
    for (let batch = 0; batch < sent / 1000; batch++) {
      for (let i = 0; i < 1000; i++) {
        template.copy(frame);
        frame.writeUInt32BE(batch * 1000 + i, 24);
        source.emit(frame);
      }
      await new Promise((r) => setImmediate(r)); // let frames go out, as between libpcap reads
    }
    await settle(100);
    const s = server.snapshot();
    assert.ok(s.totals.dropped > 0, 'some records dropped');
    // Our queue plus what sits in the socket's own buffer: bounded, whatever the backlog.
    assert.ok(s.queuedBytes < maxQueuedBytes + 256 * 1024, `queued ${s.queuedBytes} bytes`);
    assert.equal(s.replayers, 1, 'the slow replayer is still connected');
    slow.socket.resume();
    await waitFor('backlog delivered', () => slow.records.length + s.totals.dropped >= sent, 5000);
    assert.equal(slow.records.length + s.totals.dropped, sent);
    assert.equal(fieldsOf(slow.records.at(-1)!).seq, sent - 1, 'the newest responses survive');
    assert.ok(slow.records.every((rec) => rec.length === RECORD_SIZE));
  });

  it('lets a replayer in when peers that never said hello hold every slot', async () => {
    const { source, server, port, logs } = await setup({ maxReplayers: 3 });
    const silent = [await replayer(port, false), await replayer(port, false), await replayer(port, false)];
    await settle();
    const good = await replayer(port);
    good.add(routeFor(45000));
    await settle();
    source.emit(response(45000, DATA));
    await waitFor('good replayer served', () => good.records.length === 1);
    assert.equal(silent.filter((p) => p.closed).length, 1, 'the oldest silent peer made room');
    assert.ok(silent[0].closed);
    assert.equal(totals(server).peersRefused, 0);
    assert.ok(logs.some((l) => /no hello yet, and its slot was needed \(at most 3 connections\)/.test(l)));
  });

  it('refuses a peer when every slot holds a replayer that said hello', async () => {
    const { server, port, logs } = await setup({ maxReplayers: 1 });
    const first = await replayer(port);
    await settle();
    const second = await replayer(port);
    await waitFor('second refused', () => second.closed);
    assert.equal(first.closed, false);
    assert.equal(totals(server).peersRefused, 1);
    assert.ok(logs.some((l) => /already 1 replayers connected/.test(l)));
  });

  it('names IPv6 peers and its IPv6 address in brackets', async () => {
    const { server, port, logs } = await setup({ host: '::1' });
    assert.equal(server.snapshot().listening, `[::1]:${port}`);
    const socket = connect({ host: '::1', port });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(encodeHello());
    await waitFor('hello', () => server.snapshot().replayers === 1);
    socket.destroy();
    assert.ok(
      logs.some((l) => /^replayer \[::1\]:\d+ connected/.test(l)),
      logs.join('\n'),
    );
  });

  it('reports a capture that dies while running (its device went away)', async () => {
    const failures: Error[] = [];
    const { source, logs } = await setup({ onFailure: (error) => failures.push(error) });
    source.fail(new Error("capture on 'veth9' failed: polling the capture failed: bad file descriptor"));
    assert.deepEqual(
      failures.map((e) => e.message),
      ["capture on 'veth9' failed: polling the capture failed: bad file descriptor"],
    );
    assert.ok(logs.some((l) => /capture on 'veth9' failed/.test(l)));
  });

  it('on shutdown, has logged each replayer disconnecting by the time close() resolves', async () => {
    const { server, port, logs } = await setup();
    const r = await replayer(port);
    await waitFor('hello', () => server.snapshot().replayers === 1);
    await server.close();
    assert.equal(logs.filter((l) => /replayer 127\.0\.0\.1:\d+ disconnected/.test(l)).length, 1);
    assert.equal(server.snapshot().replayers, 0);
    await waitFor('replayer told', () => r.closed);
  });

  it('on shutdown, neither blames a replayer that keeps its side open nor loses its backlog', async () => {
    const { source, server, port, logs } = await setup({ connection: { maxQueuedBytes: 1024 * 1024 } });
    const lingering = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    lingering.on('error', () => {});
    await new Promise((resolve) => lingering.once('connect', resolve));
    lingering.write(encodeHello());
    const slow = await replayer(port);
    slow.add(routeFor(46000));
    await settle();
    slow.socket.pause();
    const template = response(46000, DATA);
    const frame = Buffer.alloc(template.length);
    const sent = 100_000;
    for (let i = 0; i < sent; i++) {
      template.copy(frame);
      frame.writeUInt32BE(i, 24);
      source.emit(frame);
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    await settle(50);
    assert.ok(server.snapshot().queuedBytes > 0, 'a backlog waits for the slow replayer');
    const closing = server.close();
    await settle(100);
    slow.socket.resume(); // a replayer a little behind: it reads its backlog while the intercept stops
    await closing;
    assert.equal(logs.filter((l) => /disconnected/.test(l)).length, 2, 'both logged before close() resolves');
    await waitFor('backlog delivered', () => slow.closed, 5000);
    assert.equal(slow.records.length, totals(server).routed - totals(server).dropped);
    assert.equal(totals(server).peersDropped, 0);
    assert.deepEqual(
      logs.filter((l) => /dropped replayer/.test(l)),
      [],
    );
    lingering.destroy();
  });

  it('on shutdown, the backlog of a replayer that never reads again counts as dropped', async () => {
    const { source, server, port } = await setup({ connection: { maxQueuedBytes: 1024 * 1024 } });
    const stuck = await replayer(port);
    stuck.add(routeFor(46001));
    await settle();
    stuck.socket.pause();
    const template = response(46001, DATA);
    for (let i = 0; i < 300_000; i++) {
      const frame = Buffer.from(template);
      frame.writeUInt32BE(i, 24);
      source.emit(frame);
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    await settle(50);
    const queued = server.snapshot().queuedBytes;
    assert.ok(queued > 0, 'a backlog waits');
    const droppedBefore = totals(server).dropped;
    await server.close();
    const droppedAtClose = totals(server).dropped - droppedBefore;
    assert.ok(droppedAtClose >= Math.floor(queued / 64) - 16, `${droppedAtClose} for ${queued} bytes queued`);
    stuck.socket.destroy();
  });
});
