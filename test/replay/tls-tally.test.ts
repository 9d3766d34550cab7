import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startsWithClientHello, TlsTally } from '../../src/replay/tls-tally.ts';
import { CORPUS, capturedSessions } from '../helpers/captured.ts';

describe('TLS sessions in a replay', () => {
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
    const tally = new TlsTally();
    tally.firstRequest(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 80);
    assert.equal(tally.warning(), undefined);
    tally.firstRequest(hello, 443);
    assert.match(
      tally.warning() ?? '',
      /^1 captured session opens with a TLS ClientHello \(1 port: 443\): .* expect it to end/,
    );
    tally.firstRequest(hello, 8443);
    tally.firstRequest(hello, 443);
    assert.match(
      tally.warning() ?? '',
      /^3 captured sessions open with a TLS ClientHello \(2 ports: 443, 8443\): .* expect them/,
    );
  });
});
