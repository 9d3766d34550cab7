import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { projectPath } from '../../src/paths.ts';
import { continuationOf } from '../../src/replay/continuation.ts';
import { capturedSessions } from '../helpers/captured.ts';
import { corpusFile } from '../helpers/corpus.ts';

/** Requests of these payloads, for continuationOf (which reads only their bytes). */
function requests(...payloads: Array<string | Buffer>) {
  return payloads.map((p, index) => ({
    index,
    offsetUs: 0,
    streamOffset: 0,
    length: p.length,
    data: Buffer.from(p),
    gaps: [],
    parts: [],
    responseBytes: 0,
  }));
}

describe('which requests cannot open a connection of their own', () => {
  it('the commands after a recorded MariaDB login (salted by the greeting): the login cannot be replayed', async () => {
    const [session] = await capturedSessions(projectPath('fixtures/recorded/mariadb-login.pcap'));
    assert.ok(session && session.greetingBytes > 0 && session.requests.length >= 3);
    assert.equal(continuationOf(session.requests, 0), undefined, 'the first request opens its own');
    assert.equal(continuationOf(session.requests, 2), 'mysql-login');
  });

  it('the commands after a recorded SMB negotiate (they carry the IDs of the connection that set them up)', async () => {
    const [session] = await capturedSessions(projectPath('fixtures/recorded/smb-negotiate.pcap'));
    assert.ok(session && session.requests.length >= 5);
    assert.equal(continuationOf(session.requests, 0), undefined, 'the negotiate opens its own');
    assert.equal(continuationOf(session.requests, 4), 'smb');
    const smb1 = Buffer.alloc(40);
    smb1.set([0, 0, 0, 36, 0xff, 0x53, 0x4d, 0x42, 0x72]);
    assert.equal(continuationOf(requests(smb1, 'x'), 1), 'smb', 'an SMB1 negotiate too');
    smb1[8] = 0x73;
    assert.equal(continuationOf(requests(smb1, 'x'), 1), undefined, 'not a negotiate');
  });

  it('the records of a TLS or SSH session, and the rest of an HTTP message', () => {
    const hello = Buffer.from([0x16, 3, 1, 0, 4, 1, 0, 0, 0]);
    assert.equal(continuationOf(requests(hello, Buffer.from([0x17, 3, 3, 0, 1, 0])), 1), 'tls');
    const packet = Buffer.from([0, 0, 0, 12, 10, 20]);
    assert.equal(continuationOf(requests('SSH-2.0-OpenSSH_9.2p1\r\n', packet), 1), 'ssh');
  });

  it('whatever goes through a proxy tunnel (CONNECT), and TLS or SSH in it', () => {
    const connect = 'CONNECT 10.0.0.7:443 HTTP/1.1\r\nHost: 10.0.0.7:443\r\n\r\n';
    assert.equal(continuationOf(requests(connect, 'GET / HTTP/1.1\r\n\r\n'), 1), 'tunnel');
    const hello = Buffer.from([0x16, 3, 1, 0, 4, 1, 0, 0, 0]);
    const tls = requests(connect, hello, Buffer.from([0x17, 3, 3, 0, 1, 0]));
    assert.equal(continuationOf(tls, 1), 'tunnel', "the ClientHello itself is the tunnel's first bytes");
    assert.equal(continuationOf(tls, 2), 'tls');
    const upload = requests('POST /up HTTP/1.1\r\nContent-Length: 9\r\n\r\n', 'rest of it');
    assert.equal(continuationOf(upload, 1), 'http-body');
  });

  it('nothing in sessions whose requests stand alone: HTTP keep-alive, Redis', async () => {
    assert.equal(continuationOf(requests('GET / HTTP/1.1\r\n\r\n', 'GET /b HTTP/1.1\r\n\r\n'), 1), undefined);
    assert.equal(continuationOf(requests('*1\r\n$4\r\nPING\r\n', '*1\r\n$4\r\nPING\r\n'), 1), undefined);
    const http = (await capturedSessions(corpusFile('zeek_http_bro.org.pcap'))).find(
      (s) => s.requests.length > 1,
    );
    if (http) assert.equal(continuationOf(http.requests, 1), undefined);
  });
});
