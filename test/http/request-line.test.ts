import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseHttpRequestLine } from '../../src/http/request-line.ts';
import { endpointOf } from '../../src/report/endpoint.ts';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('parseHttpRequestLine', () => {
  it('reads method and path of HTTP/1.0 and HTTP/1.1 requests', () => {
    assert.deepEqual(parseHttpRequestLine(bytes('GET /index.html?q=1 HTTP/1.1\r\nHost: a\r\n\r\n')), {
      method: 'GET',
      path: '/index.html?q=1',
    });
    assert.deepEqual(parseHttpRequestLine(bytes('POST /api HTTP/1.0\n\n')), { method: 'POST', path: '/api' });
    assert.deepEqual(parseHttpRequestLine(bytes('OPTIONS * HTTP/1.1\r\n\r\n')), {
      method: 'OPTIONS',
      path: '*',
    });
  });

  it('counts the first of pipelined requests', () => {
    const pipelined = bytes('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.deepEqual(parseHttpRequestLine(pipelined), { method: 'GET', path: '/a' });
  });

  it('leaves other protocols byte-level', () => {
    for (const text of [
      '*1\r\n$4\r\nPING\r\n',
      'get /lower HTTP/1.1\r\n',
      'GET /a HTTP/2.0\r\n',
      'GET /no-line-end HTTP/1.1',
      'GET  /two-spaces HTTP/1.1\r\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      '',
    ]) {
      assert.equal(parseHttpRequestLine(bytes(text)), undefined, JSON.stringify(text));
    }
    assert.equal(parseHttpRequestLine(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x0a])), undefined);
  });

  it('reads a request line out of a slice of a larger buffer', () => {
    const whole = bytes('xxxxDELETE /item/7 HTTP/1.1\r\n\r\n');
    assert.deepEqual(parseHttpRequestLine(whole.subarray(4)), { method: 'DELETE', path: '/item/7' });
  });
});

describe('endpointOf', () => {
  it('drops the query string', () => {
    assert.deepEqual(endpointOf({ method: 'GET', path: '/search?q=x' }), { method: 'GET', path: '/search' });
  });
});

describe('request line parser against a plain reference (property)', () => {
  /** The straightforward version: split the first line and match each part. */
  function reference(data: Uint8Array) {
    const lineEnd = data.subarray(0, 8192).indexOf(0x0a);
    if (lineEnd < 0) return undefined;
    const line = Buffer.from(data.buffer, data.byteOffset, lineEnd).toString('latin1').replace(/\r$/, '');
    const parts = line.split(' ');
    if (parts.length !== 3) return undefined;
    const [method, path, version] = parts as [string, string, string];
    if (!/^[A-Z][A-Z0-9_-]{0,31}$/.test(method) || path.length === 0 || !/^HTTP\/1\.[0-9]$/.test(version)) {
      return undefined;
    }
    return { method, path };
  }

  it('agrees on request-like and random lines', () => {
    const piece = fc.constantFrom(
      'GET',
      'POST',
      'M-SEARCH',
      'get',
      ' ',
      '/',
      '/a?b=c',
      'HTTP/1.1',
      'HTTP/1.',
      'HTTP/2',
      '\r',
      '\n',
      '\r\n',
      'x',
      'A'.repeat(33),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 5 })), { maxLength: 8 }), (parts) => {
        const data = Buffer.from(parts.join(''), 'latin1');
        assert.deepEqual(parseHttpRequestLine(data), reference(data));
      }),
      { numRuns: 3000 },
    );
  });
});
