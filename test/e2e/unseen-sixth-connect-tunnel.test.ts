/**
 * An HTTP CONNECT tunnel through a proxy that answers in HTTP/1.0, as tinyproxy does
 * (`HTTP/1.0 200 Connection established`, no Connection header): `curl -p -x` then sends its
 * GETs inside the tunnel, on the same connection. Recorded with `reprise record -i lo` on the
 * proxy's port, replayed over the socket transport to the same proxy.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { replay } from '../../src/replay/replay.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { type ListeningServer, listenForTest } from '../helpers/listen.ts';
import { recordLoopback } from '../helpers/record-loopback.ts';
import { capturedOutput, replayConfig } from '../helpers/replay-config.ts';
import { tempDir } from '../helpers/synthetic.ts';

const run = promisify(execFile);
const skip = process.getuid?.() !== 0 ? 'recording on lo needs root (libpcap)' : false;
if (skip) console.log(`# skipped: a CONNECT tunnel: ${skip}`);

/** A proxy that only tunnels: on `CONNECT host:port` it answers as tinyproxy does, then pipes. */
function tunnellingProxy(): net.Server {
  return net.createServer((client) => {
    client.on('error', () => {});
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const target = /^CONNECT ([^:\s]+):(\d+) HTTP\/1\.[01]\r\n/.exec(head);
      if (!target) {
        client.end('HTTP/1.0 400 Bad Request\r\n\r\n');
        return;
      }
      const upstream = net.connect(Number(target[2]), target[1], () => {
        client.write('HTTP/1.0 200 Connection established\r\nProxy-agent: test\r\n\r\n');
        const early = head.slice(end + 4);
        if (early) upstream.write(early, 'latin1');
        client.pipe(upstream).pipe(client);
      });
      upstream.on('error', () => client.destroy());
    };
    client.on('data', onData);
  });
}

describe('socket replay of a CONNECT tunnel through an HTTP/1.0 proxy', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let origin: ListeningServer;
  let proxy: ListeningServer;
  let originRequests = 0;
  before(async () => {
    dir = tempDir('rp-unseen-sixth-');
    origin = await listenForTest(
      http.createServer((_req, res) => {
        originRequests++;
        res.end('hello from the origin\n');
      }),
    );
    proxy = await listenForTest(tunnellingProxy());
  });
  after(async () => {
    await proxy.close();
    await origin.close();
    dir.cleanup();
  });

  it('keeps the tunnel open after the 200 and sends the GETs inside it', async () => {
    const file = join(dir.path, 'tunnel.pcap');
    const url = `http://127.0.0.1:${origin.port}/`;
    await recordLoopback(file, proxy.port, async () => {
      await run('curl', ['-sf', '-p', '-x', `http://127.0.0.1:${proxy.port}`, url, `${url}two`]);
    });
    const [captured] = await capturedSessions(file);
    assert.equal(captured?.requests.length, 3, 'captured: CONNECT, then two GETs in the tunnel');

    originRequests = 0;
    const { report } = await replay(
      replayConfig([file], proxy.port, proxy.port, { speed: 1 }),
      capturedOutput(),
    );
    const session = report.sessions[0];
    assert.equal(session?.outcome, 'completed', session?.reason);
    assert.equal(session?.reconnects ?? 0, 0, 'the tunnel is one connection, as captured');
    assert.deepEqual(
      session?.requests.map((r) => r.http?.status),
      [200, 200, 200],
      'the CONNECT and both GETs answered 200',
    );
    assert.equal(originRequests, 2, 'both GETs reached the origin through the tunnel');
  });
});

describe('socket replay of HTTPS through a CONNECT tunnel', { skip }, () => {
  let dir: { path: string; cleanup: () => void };
  let origin: ListeningServer;
  let proxy: ListeningServer;
  before(async () => {
    dir = tempDir('rp-unseen-sixth-');
    const key = join(dir.path, 'key.pem');
    const cert = join(dir.path, 'cert.pem');
    await run(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert].concat([
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ]),
    );
    const server = tls.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) => {
      socket.on('error', () => {});
      socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n'));
    });
    server.on('tlsClientError', () => {});
    origin = await listenForTest(server);
    proxy = await listenForTest(tunnellingProxy());
  });
  after(async () => {
    await proxy.close();
    await origin.close();
    dir.cleanup();
  });

  it('warns that the tunnelled TLS cannot complete, and says so when the session ends', async () => {
    const file = join(dir.path, 'https-tunnel.pcap');
    const url = `https://127.0.0.1:${origin.port}/`;
    await recordLoopback(file, proxy.port, async () => {
      await run('curl', ['-skf', '-x', `http://127.0.0.1:${proxy.port}`, url, `${url}two`]);
    });
    const output = capturedOutput();
    const { report } = await replay(replayConfig([file], proxy.port, proxy.port, { speed: 1 }), output);
    assert.match(output.text(), /warning: .*TLS ClientHello/, 'the run warns, as for TLS without a proxy');
    const session = report.sessions[0];
    assert.equal(session?.outcome, 'closed-early');
    assert.match(session?.reason ?? '', /TLS|tunnel/, 'the reason names the tunnelled TLS');
    assert.doesNotMatch(session?.reason ?? '', /HTTP message/, 'not an HTTP upload answered early');
  });
});
