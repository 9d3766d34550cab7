import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowTable } from '../../src/flow/flow-table.ts';
import { ACK, exchange, FIN, PSH, RST, run, type Segment, SYN, text, viewOf } from './hand-built.ts';

describe('flow table: one clean session', () => {
  const out = run(exchange(1000, 5000, 'GET / HTTP/1.0\r\n\r\n', 'HTTP/1.0 200 OK\r\n\r\nhello'));

  it('emits opened, the request, then closed, in that order', () => {
    assert.deepEqual(out.events, ['open 0', 'request 0.0', 'close 0']);
  });

  it('knows the roles, the handshake and its RTT', () => {
    const [session] = out.sessions;
    assert.deepEqual(session.client, { ip: '10.0.0.1', port: 40000 });
    assert.deepEqual(session.server, { ip: '10.0.0.2', port: 80 });
    assert.equal(session.handshake.syn, true);
    assert.equal(session.handshake.synAck, true);
    assert.equal(session.handshake.clientIsn, 1000);
    assert.equal(session.handshake.serverIsn, 5000);
    assert.equal(session.handshake.rttUs, 200);
    assert.equal(session.clientDataSeq, 1001);
  });

  it('keeps the request bytes, its timing and the response size', () => {
    const [request] = out.requests;
    assert.equal(text(request), 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(request.offsetUs, 300);
    assert.equal(request.streamOffset, 0);
    assert.equal(request.responseBytes, 24);
    assert.equal(request.responseFirstUs, 400);
    assert.deepEqual(request.gaps, []);
  });

  it('counts bytes each way and ends by FIN from the client', () => {
    const [session] = out.sessions;
    assert.equal(session.bytesFromClient, 18);
    assert.equal(session.bytesFromServer, 24);
    assert.equal(session.ending, 'fin');
    assert.equal(session.endedBy, 'client');
    assert.equal(session.packets, 7, 'the last ACK arrives after the close and is not counted');
  });
});

describe('flow table: reassembly', () => {
  it('orders bytes across the 32-bit sequence wraparound', () => {
    const isn = 0xfffffff8;
    const segments: Segment[] = [
      { from: 'client', flags: SYN, seq: isn, tsUs: 0 },
      { from: 'server', flags: SYN | ACK, seq: 7, ack: isn + 1, tsUs: 10 },
      { from: 'client', flags: ACK, seq: isn + 1, payload: 'abcdefghij', tsUs: 20 },
      { from: 'client', flags: ACK, seq: isn + 11, payload: 'KLMNO', tsUs: 30 },
    ];
    const out = run(segments);
    assert.equal(out.requests.length, 1);
    assert.equal(text(out.requests[0]), 'abcdefghijKLMNO');
    assert.equal(out.sessions[0].gaps, 0);
  });

  it('holds out-of-order segments until the hole is filled', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 100, tsUs: 0 },
      { from: 'client', flags: ACK, seq: 106, payload: 'world', tsUs: 20 },
      { from: 'client', flags: ACK, seq: 101, payload: 'hello', tsUs: 30 },
    ]);
    assert.equal(text(out.requests[0]), 'helloworld');
    assert.equal(out.requests[0].offsetUs, 30, 'the request starts when its first byte was captured');
    assert.equal(out.sessions[0].gaps, 0);
  });

  it('trims overlaps: the first data captured wins', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 100, tsUs: 0 },
      { from: 'client', flags: ACK, seq: 101, payload: 'abcdef', tsUs: 10 },
      { from: 'client', flags: ACK, seq: 104, payload: 'XYZghi', tsUs: 20 },
      { from: 'client', flags: ACK, seq: 101, payload: 'abc', tsUs: 30 },
    ]);
    assert.equal(text(out.requests[0]), 'abcdefghi');
    assert.equal(out.sessions[0].retransmissions, 2);
  });

  it('trims overlaps between held segments: the one starting first keeps its bytes', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'client', flags: ACK, seq: 5, payload: '56789', tsUs: 10 },
      { from: 'client', flags: ACK, seq: 3, payload: '3XXX', tsUs: 20 },
      { from: 'client', flags: ACK, seq: 1, payload: '12', tsUs: 30 },
    ]);
    assert.equal(text(out.requests[0]), '123XXX789');
  });

  it('marks a hole the session never fills as a gap, without inventing bytes', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'client', flags: ACK, seq: 1, payload: 'aaaa', tsUs: 10 },
      { from: 'client', flags: ACK, seq: 9, payload: 'cccc', tsUs: 30 },
    ]);
    const [request] = out.requests;
    assert.equal(text(request), 'aaaacccc');
    assert.equal(request.length, 12);
    assert.deepEqual(request.gaps, [[4, 4]]);
    assert.equal(out.sessions[0].gaps, 1);
    assert.equal(out.sessions[0].gapBytes, 4);
  });

  it('declares the gap when the server acknowledges past it and answers', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'server', flags: SYN | ACK, seq: 500, ack: 1, tsUs: 5 },
      { from: 'client', flags: ACK, seq: 1, payload: 'req1', tsUs: 10 },
      { from: 'server', flags: ACK, seq: 501, ack: 13, payload: 'resp1', tsUs: 40 },
      { from: 'client', flags: ACK, seq: 13, payload: 'req2', tsUs: 50 },
    ]);
    assert.equal(out.requests.length, 2);
    assert.equal(text(out.requests[0]), 'req1');
    assert.equal(out.requests[0].length, 12);
    assert.deepEqual(out.requests[0].gaps, [[4, 8]]);
    assert.equal(text(out.requests[1]), 'req2');
    assert.equal(out.requests[1].streamOffset, 12);
  });

  it('does not take the FIN the server acknowledges for a missing byte (half-close)', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'server', flags: SYN | ACK, seq: 500, ack: 1, tsUs: 5 },
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 501, payload: 'GET /', tsUs: 10 },
      { from: 'client', flags: FIN | ACK, seq: 6, ack: 501, tsUs: 11 },
      { from: 'server', flags: PSH | ACK, seq: 501, ack: 7, payload: 'page', tsUs: 20 },
      { from: 'server', flags: FIN | ACK, seq: 505, ack: 7, tsUs: 21 },
    ]);
    assert.equal(out.requests[0].length, 5);
    assert.deepEqual(out.requests[0].gaps, []);
    assert.equal(out.sessions[0].gaps, 0);
    assert.equal(out.sessions[0].ending, 'fin');
  });

  it('counts bytes the snap length cut as missing', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'client', flags: ACK, seq: 1, payload: 'GET', wireLength: 100, tsUs: 10 },
      { from: 'client', flags: ACK, seq: 101, payload: '', wireLength: 50, tsUs: 20 },
    ]);
    const [request] = out.requests;
    assert.equal(text(request), 'GET');
    assert.equal(request.length, 150);
    assert.deepEqual(request.gaps, [[3, 147]]);
    assert.equal(out.sessions[0].truncatedSegments, 2);
    assert.equal(out.sessions[0].gaps, 1);
  });

  it('gives up on a hole once the out-of-order buffer is full', () => {
    const segments: Segment[] = [{ from: 'client', flags: SYN, seq: 0, tsUs: 0 }];
    for (let i = 1; i <= 4; i++)
      segments.push({ from: 'client', flags: ACK, seq: 1 + 10 * i, payload: '0123456789', tsUs: i });
    const out = run(segments, { keepPayload: true, limits: { maxPendingSegments: 2 } });
    assert.deepEqual(out.requests[0].gaps, [[0, 10]]);
    assert.equal(out.requests[0].length, 50);
  });
});

describe('flow table: sessions and requests', () => {
  it('tells of a request the server answered with its first answer bytes already counted', () => {
    // A replay may send the request from inside requestCompleted, and asks then whether to wait for an answer.
    const seen: number[] = [];
    const table = new FlowTable({ requestCompleted: (_s, request) => seen.push(request.responseBytes) });
    for (const segment of exchange(1000, 5000, 'PING\n', 'PONG\n')) table.push(viewOf(segment));
    table.end();
    assert.deepEqual(seen, [5]);
  });

  it('splits requests at server answers and keeps pipelined requests in one run', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'server', flags: SYN | ACK, seq: 0, ack: 1, tsUs: 1 },
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 1, payload: 'A1;', tsUs: 10 },
      { from: 'client', flags: PSH | ACK, seq: 4, ack: 1, payload: 'A2;', tsUs: 11 },
      { from: 'server', flags: PSH | ACK, seq: 1, ack: 7, payload: 'r1r2', tsUs: 20 },
      { from: 'client', flags: PSH | ACK, seq: 7, ack: 5, payload: 'B;', tsUs: 30 },
      { from: 'server', flags: PSH | ACK, seq: 5, ack: 9, payload: 'rb', tsUs: 40 },
      { from: 'server', flags: PSH | ACK, seq: 7, ack: 9, payload: 'rb2', tsUs: 45 },
      { from: 'server', flags: PSH | ACK, seq: 5, ack: 9, payload: 'rb', tsUs: 46 },
    ]);
    assert.deepEqual(
      out.requests.map((r) => [text(r), r.offsetUs, r.responseBytes, r.responseFirstUs, r.responseLastUs]),
      [
        ['A1;A2;', 10, 4, 10, 10],
        ['B;', 30, 5, 10, 15],
      ],
    );
  });

  it('treats a session without SYN as SYN-less, the higher port being the client', () => {
    const out = run([
      { from: 'server', flags: ACK, seq: 900, ack: 100, payload: 'banner', tsUs: 0 },
      { from: 'client', flags: ACK, seq: 100, ack: 906, payload: 'hi', tsUs: 10 },
    ]);
    const [session] = out.sessions;
    assert.equal(session.handshake.syn, false);
    assert.equal(session.handshake.synAck, false);
    assert.equal(session.client.port, 40000);
    assert.equal(session.clientDataSeq, 100);
    assert.equal(text(out.requests[0]), 'hi');
    assert.equal(session.ending, 'capture-end');
    assert.equal(session.greetingBytes, 0, 'server bytes first without the handshake: no greeting');
  });

  it('takes a known server over the port order for a session without SYN', () => {
    const segments: Segment[] = [
      { from: 'client', flags: ACK, seq: 100, ack: 906, payload: 'hi', tsUs: 10, clientPort: 50 },
      { from: 'server', flags: ACK, seq: 906, ack: 102, payload: 'ok', tsUs: 20, clientPort: 50 },
    ];
    assert.equal(
      run(segments).sessions[0].client.port,
      80,
      'by the ports alone, the higher one is the client',
    );
    const known = run(segments, {
      keepPayload: true,
      knownServer: (e) => (e.port === 80 ? 'port' : undefined),
    });
    assert.deepEqual([known.sessions[0].client.port, known.sessions[0].server.port], [50, 80]);
    assert.equal(text(known.requests[0]), 'hi');
  });

  it('takes a server known by address and port over a well-known client port (NFS)', () => {
    // Linux NFS clients use privileged ports (665-1023) to reach 2049; the connections predate the capture.
    const segments: Segment[] = [
      {
        from: 'server',
        flags: ACK,
        seq: 900,
        ack: 100,
        payload: 'NFS-REPLY-1',
        tsUs: 10,
        clientPort: 800,
        serverPort: 2049,
      },
      {
        from: 'client',
        flags: ACK,
        seq: 100,
        ack: 911,
        payload: 'NFS-CALL-2',
        tsUs: 20,
        clientPort: 800,
        serverPort: 2049,
      },
    ];
    const byPort = run(segments, {
      keepPayload: true,
      knownServer: (e) => (e.port === 2049 ? 'port' : undefined),
    });
    assert.equal(byPort.sessions[0].server.port, 800, 'a port alone does not outweigh a well-known one');
    const known = run(segments, {
      keepPayload: true,
      knownServer: (e) => (e.ip === '10.0.0.2' && e.port === 2049 ? 'address' : undefined),
    });
    assert.deepEqual([known.sessions[0].client.port, known.sessions[0].server.port], [800, 2049]);
    assert.equal(text(known.requests[0]), 'NFS-CALL-2');
  });

  it('keeps a well-known port the server even when the client port is a known server port', () => {
    // A client on ephemeral port 50051 to a web server, in a capture filtered on gRPC's 50051.
    const segments: Segment[] = [
      { from: 'client', flags: ACK, seq: 100, ack: 906, payload: 'GET / ', tsUs: 10, clientPort: 50_051 },
    ];
    const known = run(segments, {
      keepPayload: true,
      knownServer: (e) => (e.port === 50_051 ? 'port' : undefined),
    });
    assert.deepEqual([known.sessions[0].client.port, known.sessions[0].server.port], [50_051, 80]);
  });

  it("counts a server's greeting before the first request, and nothing once requests began", () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'server', flags: SYN | ACK, seq: 0, ack: 1, tsUs: 1 },
      { from: 'server', flags: PSH | ACK, seq: 1, ack: 1, payload: '220 hello\r\n', tsUs: 5 },
      { from: 'server', flags: PSH | ACK, seq: 12, ack: 1, payload: '220 ok\r\n', tsUs: 6 },
      { from: 'server', flags: PSH | ACK, seq: 1, ack: 1, payload: '220 hello\r\n', tsUs: 7 },
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 20, payload: 'HELO x\r\n', tsUs: 10 },
      { from: 'server', flags: PSH | ACK, seq: 20, ack: 9, payload: '250 x\r\n', tsUs: 20 },
    ]);
    assert.equal(out.sessions[0].greetingBytes, 19, 'both greeting lines, the retransmission once');
    assert.equal(out.requests[0].responseBytes, 7);
    const http = run(exchange(1000, 5000, 'GET / HTTP/1.0\r\n\r\n', 'HTTP/1.0 200 OK\r\n\r\nhello'));
    assert.equal(http.sessions[0].greetingBytes, 0);
  });

  it('gives the same sessions and requests when every packet is captured twice', () => {
    const once = exchange(77, 88, 'PING', 'PONG');
    const twice = once.flatMap((s) => [s, { ...s, tsUs: s.tsUs - 50 }]);
    const a = run(once);
    const b = run(twice);
    assert.equal(b.sessions.length, 1);
    assert.deepEqual(b.requests.map(text), a.requests.map(text));
    assert.equal(b.requests[0].responseBytes, 4);
    assert.equal(b.sessions[0].retransmissions, 1);
    assert.ok((b.sessions[0].handshake.rttUs ?? 0) >= 0);
    assert.equal(b.sessions[0].ending, 'fin');
  });

  it('opens a new session when a port pair is reused with a new ISN, not for a SYN retransmission', () => {
    const first = exchange(1000, 5000, 'one', 'ONE');
    const retransmittedSyn: Segment = { ...first[0], tsUs: 2_000_000 };
    const second = exchange(9000, 7000, 'two', 'TWO').map((s) => ({ ...s, tsUs: s.tsUs + 2_000_000 }));
    const out = run([...first, retransmittedSyn, ...second]);
    assert.equal(out.sessions.length, 2);
    assert.deepEqual(out.requests.map(text), ['one', 'two']);
    assert.deepEqual(out.events, ['open 0', 'request 0.0', 'close 0', 'open 1', 'request 1.0', 'close 1']);
  });

  it('closes the old session when its tuple is reused before it ended', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 10, tsUs: 0 },
      { from: 'client', flags: ACK, seq: 11, payload: 'x', tsUs: 1 },
      { from: 'client', flags: SYN, seq: 5000, tsUs: 2 },
    ]);
    assert.deepEqual(out.events, ['open 0', 'request 0.0', 'close 0', 'open 1', 'close 1']);
  });

  it('counts a handshake recorded SYN-ACK first as one session with its SYN', () => {
    const [syn, synAck, ...rest] = exchange(1, 2, 'q', 'a');
    const out = run([synAck, syn, ...rest]);
    assert.equal(out.sessions.length, 1);
    assert.equal(out.sessions[0].handshake.syn, true);
    assert.equal(out.sessions[0].client.port, 40000);
  });

  it('finds request boundaries from the client acks when only the client side was captured', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'client', flags: ACK, seq: 1, ack: 101, tsUs: 1 },
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 121, payload: 'EHLO x\r\n', tsUs: 2 },
      { from: 'client', flags: PSH | ACK, seq: 9, ack: 121, payload: 'MORE\r\n', tsUs: 3 },
      { from: 'client', flags: PSH | ACK, seq: 15, ack: 180, payload: 'QUIT\r\n', tsUs: 4 },
    ]);
    assert.deepEqual(out.requests.map(text), ['EHLO x\r\nMORE\r\n', 'QUIT\r\n']);
  });

  it('ends a session on RST and says who reset it', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'server', flags: RST | ACK, seq: 0, ack: 1, tsUs: 1 },
      { from: 'client', flags: SYN, seq: 0, tsUs: 2 },
    ]);
    assert.equal(out.sessions.length, 1);
    assert.equal(out.sessions[0].ending, 'rst');
    assert.equal(out.sessions[0].endedBy, 'server');
    assert.equal(out.sessions[0].resetBy, 'server');
  });

  it("tells who reset a session apart from who closed it first (a client's FIN answered by a RST)", () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'server', flags: SYN | ACK, seq: 0, ack: 1, tsUs: 1 },
      { from: 'client', flags: FIN | ACK, seq: 1, ack: 1, tsUs: 2 },
      { from: 'server', flags: RST | ACK, seq: 1, ack: 2, tsUs: 3 },
    ]);
    assert.equal(out.sessions[0].ending, 'rst');
    assert.equal(out.sessions[0].endedBy, 'client');
    assert.equal(out.sessions[0].resetBy, 'server');
  });

  it('keeps a session that saw only one FIN open until the capture ends', () => {
    const segments = exchange(1, 2, 'q', 'a').slice(0, 6);
    const out = run(segments);
    assert.equal(out.sessions[0].ending, 'fin');
    assert.equal(segments.at(-1)?.flags, FIN | ACK);
  });
});

describe('flow table: a retransmitted SYN', () => {
  it('times the handshake RTT from the SYN that was answered, as tshark does', () => {
    const [first, ...rest] = exchange(1000, 5000, 'GET / HTTP/1.0\r\n\r\n', 'HTTP/1.0 200 OK\r\n\r\nhi');
    // The first SYN was lost; the client sent it again a second later (its RTO).
    const lost = { ...first, tsUs: first.tsUs - 1_000_000 };
    const out = run([lost, first, ...rest]);
    const [session] = out.sessions;
    assert.equal(session.handshake.rttUs, 200);
    assert.equal(session.startUs, lost.tsUs, 'the session still starts at the first SYN');
  });
});

describe('flow table: open sessions at the end, and closed tuples remembered', () => {
  const syn = (clientPort: number, seq: number, tsUs: number): Segment => ({
    from: 'client',
    flags: SYN,
    seq,
    tsUs,
    clientPort,
  });
  const rst = (clientPort: number, seq: number, tsUs: number): Segment => ({
    from: 'client',
    flags: RST,
    seq,
    tsUs,
    clientPort,
  });
  const lateAck = (clientPort: number, tsUs: number): Segment => ({
    from: 'client',
    flags: ACK,
    seq: 5000,
    ack: 1,
    tsUs,
    clientPort,
  });
  const closes = (out: { events: string[] }) => out.events.filter((e) => e.startsWith('close'));

  it('closes the sessions still open at the end in order of id, whatever closed or reopened before', () => {
    const segments: Segment[] = [];
    for (let port = 1; port <= 40; port++) segments.push(syn(port, 100, port));
    for (let port = 2; port <= 40; port += 3) segments.push(rst(port, 101, 100 + port));
    for (let port = 1; port <= 40; port += 4) segments.push(syn(port, 7000, 200 + port));
    const out = run(segments);
    const lastOnPort = new Map(out.sessions.map((s) => [s.client.port, s]));
    const openAtEnd = [...lastOnPort.values()].filter((s) => s.ending === 'capture-end').map((s) => s.id);
    assert.equal(out.sessions.length, 50, '40 opened, 10 reopened on a reused port');
    assert.equal(openAtEnd.length, 40 - 13 + 3, 'ports 5, 17 and 29 were reset, then reopened');
    assert.deepEqual(
      closes(out).slice(-openAtEnd.length),
      openAtEnd.sort((a, b) => a - b).map((id) => `close ${id}`),
    );
  });

  it('absorbs late packets of the newest closed tuples and forgets the oldest beyond its limit', () => {
    const out = run(
      [
        syn(1, 100, 1),
        syn(2, 100, 2),
        syn(3, 100, 3),
        rst(1, 101, 10),
        rst(2, 101, 11),
        syn(1, 900, 12), // reopens tuple 1: it leaves the closed ones
        rst(1, 901, 13),
        rst(3, 101, 14), // closed now: 2, 1, 3; the limit of 2 forgets tuple 2
        lateAck(1, 20),
        lateAck(3, 21),
        lateAck(2, 22),
      ],
      { keepPayload: false, maxClosedConversations: 2 },
    );
    assert.deepEqual(
      out.sessions.map((s) => [s.id, Math.min(s.client.port, s.server.port)]),
      [
        [0, 1],
        [1, 2],
        [3, 1],
        [2, 3],
        [4, 2],
      ],
      'only the late packet of the forgotten tuple 2 opens a session',
    );
  });
});

describe('flow table: a client that half-closes before the answer', () => {
  const halfClosed = (out: { requests: Array<{ halfClosed?: boolean }> }) =>
    out.requests.map((r) => r.halfClosed === true);

  it('marks the request its FIN followed before any answer, and only that one', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'server', flags: SYN | ACK, seq: 0, ack: 1, tsUs: 1 },
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 1, payload: 'one\n', tsUs: 2 },
      { from: 'server', flags: PSH | ACK, seq: 1, ack: 5, payload: 'ONE\n', tsUs: 3 },
      { from: 'client', flags: PSH | ACK, seq: 5, ack: 5, payload: 'two\n', tsUs: 4 },
      { from: 'client', flags: FIN | ACK, seq: 9, ack: 5, tsUs: 5 },
      { from: 'server', flags: PSH | ACK, seq: 5, ack: 10, payload: 'TWO\n', tsUs: 6 },
    ]);
    assert.deepEqual(halfClosed(out), [false, true]);
  });

  it('does not mark a request that was answered before the FIN', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'server', flags: SYN | ACK, seq: 0, ack: 1, tsUs: 1 },
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 1, payload: 'one\n', tsUs: 2 },
      { from: 'server', flags: PSH | ACK, seq: 1, ack: 5, payload: 'ONE\n', tsUs: 3 },
      { from: 'client', flags: FIN | ACK, seq: 5, ack: 5, tsUs: 4 },
    ]);
    assert.deepEqual(halfClosed(out), [false]);
  });

  it('marks the request its FIN closes when the FIN was captured before a hole ahead of it was filled', () => {
    const out = run([
      { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
      { from: 'server', flags: SYN | ACK, seq: 0, ack: 1, tsUs: 1 },
      { from: 'client', flags: PSH | ACK, seq: 1, ack: 1, payload: 'a\n', tsUs: 2 },
      { from: 'server', flags: PSH | ACK, seq: 1, ack: 3, payload: 'ok\n', tsUs: 3 },
      // 'b\n' is lost; 'c\n' comes with the FIN, then 'b\n' again; the answer after both.
      { from: 'client', flags: PSH | ACK | FIN, seq: 5, ack: 4, payload: 'c\n', tsUs: 1_000 },
      { from: 'client', flags: PSH | ACK, seq: 3, ack: 4, payload: 'b\n', tsUs: 1_200 },
      { from: 'server', flags: PSH | ACK | FIN, seq: 4, ack: 8, payload: 'BC\n', tsUs: 3_000 },
    ]);
    assert.deepEqual(out.requests.map(text), ['a\n', 'b\nc\n']);
    assert.deepEqual(halfClosed(out), [false, true]);
  });

  it('in a capture of the client side only, reads the answer before the FIN from its ack', () => {
    const clientOnly = (finAck: number) =>
      run([
        { from: 'client', flags: SYN, seq: 0, tsUs: 0 },
        { from: 'client', flags: ACK, seq: 1, ack: 1, tsUs: 1 },
        { from: 'client', flags: PSH | ACK, seq: 1, ack: 1, payload: 'GET / HTTP/1.0\r\n\r\n', tsUs: 2 },
        { from: 'client', flags: FIN | ACK, seq: 19, ack: finAck, tsUs: 3 },
      ]);
    assert.deepEqual(halfClosed(clientOnly(500)), [false], '499 answer bytes and the server FIN acked');
    assert.deepEqual(halfClosed(clientOnly(1)), [true], 'nothing acked: the FIN came before any answer');
    assert.deepEqual(halfClosed(clientOnly(2)), [true], 'only the server FIN acked: no answer');
  });
});

describe('flow table: remembering no closed tuple at all', () => {
  it('still opens a new session on a reused port, and forgets every closed tuple', () => {
    const out = run(
      [
        { from: 'client', flags: SYN, seq: 100, tsUs: 0, clientPort: 1 },
        { from: 'client', flags: SYN, seq: 900, tsUs: 1, clientPort: 1 }, // reuses the open tuple
        { from: 'client', flags: RST, seq: 901, tsUs: 2, clientPort: 1 },
        { from: 'client', flags: SYN, seq: 100, tsUs: 3, clientPort: 2 },
        { from: 'client', flags: RST, seq: 101, tsUs: 4, clientPort: 2 },
        { from: 'client', flags: ACK, seq: 5000, ack: 1, tsUs: 5, clientPort: 2 }, // late: a new session
      ],
      { keepPayload: false, maxClosedConversations: 0 },
    );
    assert.deepEqual(
      out.sessions.map((s) => [s.id, Math.min(s.client.port, s.server.port), s.ending]),
      [
        [0, 1, 'capture-end'],
        [1, 1, 'rst'],
        [2, 2, 'rst'],
        [3, 2, 'capture-end'],
      ],
    );
  });
});
