/**
 * Recordings of clients the other tests have not seen, made with `reprise record -i lo` itself and
 * replayed over the socket transport against the same kind of server on loopback: a client that
 * half-closes (shutdown(SHUT_WR)) and then reads, an HTTP upload the server refuses before its body
 * is over, TLS, and a client that sends readings with pauses and no answer in between. Each checks what a user reads in the report against what the target saw.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { replay } from '../../src/replay/replay.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { type ListeningServer, listenForTest } from '../helpers/listen.ts';
import { recordLoopback } from '../helpers/record-loopback.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const skip = process.getuid?.() === 0 ? false : 'recording on lo needs root (libpcap)';
if (skip) console.log(`# skipped: unseen-protocol recordings: ${skip}`);

/** Every byte each accepted connection sent, in order of acceptance. */
function keepBytes(socket: net.Socket, connections: Buffer[][]): void {
  const bytes: Buffer[] = [];
  connections.push(bytes);
  socket.on('data', (d: Buffer) => bytes.push(d));
  socket.on('error', () => {});
}

describe('socket replay of recordings of unseen clients', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  before(() => {
    dir = tempDir('rp-unseen-');
  });
  after(() => dir.cleanup());

  it('a client that half-closes before the answer (reads to EOF) gets its answer, as in the capture', async () => {
    const connections: Buffer[][] = [];
    const server: ListeningServer = await listenForTest(
      net.createServer({ allowHalfOpen: true }, (socket) => {
        keepBytes(socket, connections);
        socket.on('end', () =>
          socket.end(
            Buffer.concat(connections.at(-1) ?? [])
              .toString()
              .toUpperCase(),
          ),
        );
      }),
    );
    try {
      const file = join(dir.path, 'half-close.pcap');
      await recordLoopback(file, server.port, async () => {
        const client = net.connect(server.port, '127.0.0.1');
        await once(client, 'connect');
        client.write('part one\n');
        await sleep(30);
        client.end('part two\n');
        const answer: Buffer[] = [];
        client.on('data', (d: Buffer) => answer.push(d));
        await once(client, 'close');
        assert.equal(Buffer.concat(answer).toString(), 'PART ONE\nPART TWO\n');
      });
      const [captured] = await capturedSessions(file);
      assert.ok(captured && captured.bytesFromServer === 18, 'the capture holds the exchange');

      const started = Date.now();
      const { report } = await replay(
        replayConfig([file], server.port, server.port, { sessionTimeoutMs: 5000 }),
        capturedOutput(),
      );
      const [session] = report.sessions;
      assert.equal(session?.outcome, 'completed', session?.reason);
      assert.equal(report.totals.requests.lost, 0);
      assert.equal(report.totals.bytes.received, 18);
      assert.ok(Date.now() - started < 4000, 'no wait for the session timeout');
    } finally {
      await server.close();
    }
  });

  it('the rest of an upload the server refused early never opens a new connection of its own', async () => {
    const connections: Buffer[][] = [];
    // Like nginx with a small client_max_body_size: 413 at the head, then it reads the body out.
    const server: ListeningServer = await listenForTest(
      net.createServer((socket) => {
        keepBytes(socket, connections);
        let answered = false;
        socket.on('data', () => {
          const seen = Buffer.concat(connections.at(-1) ?? []).toString('latin1');
          if (answered || !seen.includes('\r\n\r\n')) return;
          answered = true;
          socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          setTimeout(() => socket.end(), 200);
        });
      }),
    );
    try {
      const file = join(dir.path, 'early-413.pcap');
      const body = Buffer.alloc(100_000, 'b');
      await recordLoopback(file, server.port, async () => {
        const client = net.connect(server.port, '127.0.0.1');
        await once(client, 'connect');
        client.on('data', () => {});
        client.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
        client.write(body.subarray(0, 40_000));
        await sleep(50); // the 413 comes back in between
        client.end(body.subarray(40_000));
        await once(client, 'close');
      });
      const [captured] = await capturedSessions(file);
      assert.ok(captured && captured.requests.length >= 2, 'the 413 split the upload in the capture');

      connections.length = 0;
      const { report } = await replay(replayConfig([file], server.port, server.port), capturedOutput());
      const firstBytes = connections.map((c) => Buffer.concat(c).subarray(0, 5).toString('latin1'));
      assert.deepEqual(firstBytes, ['POST '], 'every replayed connection starts with a request line');
      assert.equal(report.totals.httpStatus['413'], 1);
    } finally {
      await server.close();
    }
  });

  it('an SMTP reply that pauses mid-way (as Nagle makes it) is one response, and the next command waits for it', async () => {
    const received: Buffer[][] = [];
    const server: ListeningServer = await listenForTest(
      net.createServer((socket) => {
        keepBytes(socket, received);
        socket.write('220 hi\r\n');
        socket.on('data', (d: Buffer) => {
          if (!d.toString().startsWith('EHLO')) return void socket.write('250 OK\r\n');
          socket.write('250-localhost\r\n');
          setTimeout(() => socket.write('250 HELP\r\n'), 60);
        });
      }),
    );
    try {
      const file = join(dir.path, 'smtp-split.pcap');
      await recordLoopback(file, server.port, async () => {
        const client = net.connect(server.port, '127.0.0.1');
        let text = '';
        const reply = () =>
          new Promise<void>((resolve) => {
            const read = (d: Buffer) => {
              text += d.toString();
              if (!/(^|\n)\d{3} [^\n]*\n$/.test(text)) return;
              client.off('data', read);
              resolve();
            };
            client.on('data', read);
          });
        await reply();
        for (const command of ['EHLO x\r\n', 'MAIL FROM:<a@x.org>\r\n', 'QUIT\r\n']) {
          text = '';
          client.write(command);
          await reply();
        }
        client.end();
        await once(client, 'close');
      });
      const [captured] = await capturedSessions(file);
      assert.deepEqual(
        captured?.requests.map((r) => r.responseBytes),
        [25, 8, 8],
      );

      const { report } = await replay(replayConfig([file], server.port, server.port), capturedOutput());
      const [session] = report.sessions;
      assert.deepEqual(
        session?.requests.map((r) => r.responseBytes),
        [25, 8, 8],
        'each command’s own answer, as captured',
      );
    } finally {
      await server.close();
    }
  });

  it('a TLS session the target refuses after the handshake ends there, without new connections for its records', async () => {
    const key = join(dir.path, 'key.pem');
    const cert = join(dir.path, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
    const tcpConnections: Buffer[][] = [];
    const tlsServer = tls.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) => {
      socket.on('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    });
    tlsServer.on('connection', (socket: net.Socket) => keepBytes(socket, tcpConnections));
    tlsServer.on('tlsClientError', () => {});
    const server = await listenForTest(tlsServer);
    try {
      const file = join(dir.path, 'tls.pcap');
      await recordLoopback(file, server.port, async () => {
        const client = tls.connect({ port: server.port, host: '127.0.0.1', rejectUnauthorized: false });
        await once(client, 'secureConnect');
        client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        client.on('data', () => client.end());
        await once(client, 'close');
      });

      tcpConnections.length = 0;
      const output = capturedOutput();
      const { report } = await replay(replayConfig([file], server.port, server.port), output);
      assert.match(output.text(), /TLS ClientHello/);
      const [session] = report.sessions;
      assert.notEqual(
        session?.outcome,
        'completed',
        'a TLS session that cannot complete is not reported completed',
      );
      assert.equal(tcpConnections.length, 1, 'no reconnect opens with a mid-stream TLS record');
    } finally {
      await server.close();
    }
  });

  it('a server that only speaks (daytime): its bytes are read and counted though the client sends none', async () => {
    const line = 'Sun Nov 22 07:45:00 2026\r\n';
    const server: ListeningServer = await listenForTest(
      net.createServer((socket) => {
        socket.on('error', () => {});
        socket.end(line);
      }),
    );
    try {
      const file = join(dir.path, 'daytime.pcap');
      await recordLoopback(file, server.port, async () => {
        for (let i = 0; i < 2; i++) {
          const client = net.connect(server.port, '127.0.0.1');
          client.resume();
          await once(client, 'close');
        }
      });
      const sessions = await capturedSessions(file);
      assert.deepEqual(
        sessions.map((s) => [s.requests.length, s.bytesFromServer]),
        [
          [0, line.length],
          [0, line.length],
        ],
      );

      const { report } = await replay(replayConfig([file], server.port, server.port), capturedOutput());
      assert.equal(report.totals.sessions.completed, 2);
      assert.equal(report.totals.bytes.received, 2 * line.length, 'what the target sent');
    } finally {
      await server.close();
    }
  });

  it('a client that sends readings with pauses and no answer between them is replayed with the same pauses', async () => {
    // Like `mosquitto_pub -l` or a metrics agent: each reading its own write, the server silent
    // until the last one. Replayed as one burst, the readings reached the target 0 ms apart.
    const arrivals: Array<{ ms: number; text: string }> = [];
    const server: ListeningServer = await listenForTest(
      net.createServer((socket) => {
        let got = '';
        socket.on('data', (d: Buffer) => {
          arrivals.push({ ms: performance.now(), text: d.toString() });
          got += d.toString();
          if (got.endsWith('reading 3\n')) socket.write('stored 3\n');
        });
        socket.on('error', () => {});
      }),
    );
    try {
      const file = join(dir.path, 'readings.pcap');
      await recordLoopback(file, server.port, async () => {
        const client = net.connect(server.port, '127.0.0.1');
        await once(client, 'connect');
        for (const n of [1, 2, 3]) {
          if (n > 1) await sleep(400);
          client.write(`reading ${n}\n`);
        }
        await once(client, 'data');
        client.end();
        await once(client, 'close');
      });
      const [captured] = await capturedSessions(file);
      assert.equal(captured?.requests.length, 1, 'one request: the server said nothing in between');
      assert.equal(captured.requests[0].parts.length, 2, 'sent in three parts');

      arrivals.length = 0;
      const { report } = await replay(
        replayConfig([file], server.port, server.port, { speed: 1 }),
        capturedOutput(),
      );
      const [session] = report.sessions;
      assert.equal(session?.outcome, 'completed', session?.reason);
      assert.deepEqual(
        arrivals.map((a) => a.text),
        ['reading 1\n', 'reading 2\n', 'reading 3\n'],
      );
      const apart = arrivals.slice(1).map((a, i) => a.ms - arrivals[i].ms);
      assert.ok(
        // The first gap is shorter by what connecting took beyond the captured handshake.
        apart.every((ms) => ms >= 250 && ms < 1_500) && apart[1] >= 350,
        `readings ${apart.map((ms) => ms.toFixed(0)).join(', ')} ms apart, as captured (400)`,
      );
      const [request] = session.requests;
      assert.equal(request.responseBytes, 9);
      assert.ok(
        (request.firstByteMs ?? 1e9) < 200,
        `latency ${request.firstByteMs} ms from the last reading`,
      );
      const lagMs = (request.sentMs ?? 0) - (request.scheduledMs ?? 0);
      assert.ok(lagMs < 200, `send lag ${lagMs} ms: the pauses are not lag`);
    } finally {
      await server.close();
    }
  });
});
