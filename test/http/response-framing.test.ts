import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FramingState, HttpResponseFraming } from '../../src/http/response-framing.ts';

/** Feeds `text` cut at every `cut` bytes; returns the state after each piece. */
function feed(text: string, cut: number, method?: string): FramingState[] {
  const framing = new HttpResponseFraming(method);
  const bytes = Buffer.from(text, 'latin1');
  const states: FramingState[] = [];
  for (let at = 0; at < bytes.length; at += cut) states.push(framing.push(bytes.subarray(at, at + cut)));
  return states;
}

describe('HTTP response framing', () => {
  const withLength = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world';
  for (const cut of [1, 3, 7, 1000]) {
    it(`Content-Length: complete exactly at the last body byte (pieces of ${cut})`, () => {
      const states = feed(withLength, cut);
      assert.equal(states.at(-1), 'complete');
      assert.ok(states.slice(0, -1).every((s) => s === 'incomplete'));
    });
  }

  it('a reply shorter than "HTTP/" that differs from it is not HTTP at once; a prefix of it is a head begun', () => {
    for (const reply of [':1\r\n', '+OK', 'H1']) {
      const framing = new HttpResponseFraming();
      assert.equal(framing.push(Buffer.from(reply, 'latin1')), 'unknown', reply);
      assert.equal(framing.inHead, false, reply);
    }
    const begun = new HttpResponseFraming();
    assert.equal(begun.push(Buffer.from('HTT', 'latin1')), 'incomplete');
    assert.equal(begun.inHead, true);
  });

  it('chunked: complete at the zero-length chunk, even when it is split', () => {
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
    for (const cut of [1, 4, 100]) assert.equal(feed(text, cut).at(-1), 'complete');
    assert.equal(
      feed('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', 100).at(-1),
      'incomplete',
    );
  });

  it('no body: 204, 304 and responses to HEAD are complete after the head', () => {
    assert.equal(feed('HTTP/1.1 204 No Content\r\n\r\n', 100).at(-1), 'complete');
    assert.equal(feed('HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n', 100).at(-1), 'complete');
    assert.equal(feed('HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n', 100, 'HEAD').at(-1), 'complete');
  });

  it('100 Continue is skipped: the final response decides, and its status is kept', () => {
    const framing = new HttpResponseFraming('POST');
    assert.equal(framing.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n')), 'incomplete');
    assert.equal(
      framing.push(Buffer.from('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok')),
      'complete',
    );
    assert.equal(framing.statusCode, 201);
  });

  it('a 100 Continue to requests sent whole is interim: the final response is awaited', () => {
    const framing = new HttpResponseFraming('GET').finalDueAfterContinue(true);
    assert.equal(framing.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n')), 'incomplete');
    assert.equal(framing.awaitingFinal, true);
    const headAlone = new HttpResponseFraming('POST').finalDueAfterContinue(false);
    headAlone.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'));
    assert.equal(headAlone.awaitingFinal, false, 'the body is a request of its own');
  });

  it('reads heads whose lines end in a bare LF (RFC 9112 2.2)', () => {
    for (const cut of [1, 5, 1000]) {
      const states = feed('HTTP/1.1 404 Not Found\nContent-Length: 2\n\nno', cut);
      assert.equal(states.at(-1), 'complete', `pieces of ${cut}`);
      assert.ok(
        states.slice(0, -1).every((s) => s === 'incomplete'),
        `pieces of ${cut}`,
      );
    }
    const framing = new HttpResponseFraming();
    assert.equal(framing.push(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 1\n\r\nx')), 'complete');
    assert.equal(framing.statusCode, 200);
  });

  it('says unknown for other protocols and for responses framed by closing the connection', () => {
    assert.equal(feed('+PONG\r\n', 100).at(-1), 'unknown');
    assert.equal(feed('HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody until close', 100).at(-1), 'unknown');
  });

  it('knows when the server ends the connection after the response', () => {
    const closes = (head: string) => {
      const framing = new HttpResponseFraming('GET');
      framing.push(Buffer.from(`${head}\r\nContent-Length: 0\r\n\r\n`));
      return framing.closesConnection;
    };
    assert.equal(closes('HTTP/1.1 200 OK'), false);
    assert.equal(closes('HTTP/1.1 200 OK\r\nConnection: close'), true);
    assert.equal(closes('HTTP/1.1 200 OK\r\nconnection: Upgrade, Close'), true);
    assert.equal(closes('HTTP/1.0 200 OK'), true, 'HTTP/1.0 closes unless it says keep-alive');
    assert.equal(closes('HTTP/1.0 200 OK\r\nConnection: keep-alive'), false);
  });

  it('a 2xx to CONNECT opens a tunnel: complete at its head, the connection kept, even from HTTP/1.0', () => {
    const framing = new HttpResponseFraming('CONNECT');
    assert.equal(framing.push(Buffer.from('HTTP/1.0 200 Connection established\r\n\r\n')), 'complete');
    assert.equal(framing.closesConnection, false, 'the tunnel carries what follows');
    const refused = new HttpResponseFraming('CONNECT');
    refused.push(Buffer.from('HTTP/1.0 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    assert.equal(refused.closesConnection, true, 'a refused CONNECT is an ordinary HTTP/1.0 answer');
  });
});
