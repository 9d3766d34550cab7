import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EncryptedTally,
  startsWithClientHello,
  startsWithSshBanner,
} from '../../src/replay/encrypted-tally.ts';
import { CORPUS, capturedSessions } from '../helpers/captured.ts';

describe('encrypted sessions in a replay (TLS, SSH)', () => {
  it('knows a ClientHello from a real capture, and not HTTP, Redis or a stray 0x16', async () => {
    const [tls] = await capturedSessions(`${CORPUS}zeek_tls_openjdk_sll2.pcap`);
    assert.ok(startsWithClientHello(tls.requests[0].data));
    const [http] = await capturedSessions(`${CORPUS}zeek_http_get.pcap`);
    assert.ok(!startsWithClientHello(http.requests[0].data));
    assert.ok(!startsWithClientHello(Buffer.from('*1\r\n$4\r\nPING\r\n')));
    assert.ok(!startsWithClientHello(Buffer.from([0x16, 0x02, 0x00, 0x00, 0x10, 0x01])), 'not a TLS version');
    assert.ok(!startsWithClientHello(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x10, 0x02])), 'a ServerHello');
    assert.ok(!startsWithClientHello(Buffer.from([0x16, 0x03, 0x03])), 'too short to tell');
  });

  it('warns once, with the count and the ports, and not at all without TLS', () => {
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]);
    const tally = new EncryptedTally();
    tally.firstRequest(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 80);
    assert.deepEqual(tally.warnings(), []);
    tally.firstRequest(hello, 443);
    assert.match(
      tally.warnings().join('\n'),
      /^1 captured session opens with a TLS ClientHello \(1 port: 443\): .* expect it to end/,
    );
    tally.firstRequest(hello, 8443);
    tally.firstRequest(hello, 443);
    assert.match(
      tally.warnings().join('\n'),
      /^3 captured sessions open with a TLS ClientHello \(2 ports: 443, 8443\): .* expect them/,
    );
  });

  it('knows an SSH client banner, and says SSH sessions end after the key exchange', () => {
    const banner = Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
    assert.ok(startsWithSshBanner(banner));
    assert.ok(startsWithSshBanner(Buffer.from('SSH-1.99-Cisco-1.25\r\n')));
    assert.ok(
      !startsWithSshBanner(Buffer.from('SSH-1.5-old\r\n')),
      'SSH 1 only: not a version RFC 4253 speaks',
    );
    assert.ok(!startsWithSshBanner(Buffer.from('GET / HTTP/1.1\r\n')));
    assert.ok(!startsWithSshBanner(Buffer.from('SSH-2')), 'too short to tell');
    const tally = new EncryptedTally();
    tally.firstRequest(banner, 22);
    tally.firstRequest(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]), 443);
    const [ssh, tls] = tally.warnings();
    assert.match(tls, /TLS ClientHello \(1 port: 443\)/);
    assert.match(
      ssh,
      /^1 captured session opens with an SSH banner \(1 port: 22\): recorded SSH .* after the key exchange$/,
    );
  });
});
