import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipelinedRequests } from '../../src/http/pipelined.ts';
import { type FramingState, HttpResponseFraming } from '../../src/http/response-framing.ts';

function feed(framing: HttpResponseFraming, text: string, cut: number): FramingState[] {
  const bytes = Buffer.from(text, 'latin1');
  const states: FramingState[] = [];
  for (let at = 0; at < bytes.length; at += cut) states.push(framing.push(bytes.subarray(at, at + cut)));
  return states;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop';
const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n';

describe('HTTP response framing of pipelined requests', () => {
  for (const cut of [1, 2, 7, 1000]) {
    it(`three responses: complete only at the last byte of the third (pieces of ${cut})`, () => {
      const states = feed(new HttpResponseFraming('GET', 'GET', 'GET'), OK + CHUNKED + NOT_FOUND, cut);
      assert.equal(states.at(-1), 'complete');
      assert.ok(states.slice(0, -1).every((s) => s === 'incomplete'));
    });
  }

  it('the status is the first response’s; a HEAD among them has no body', () => {
    const framing = new HttpResponseFraming('GET', 'HEAD', 'GET');
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n';
    assert.equal(framing.push(Buffer.from(NOT_FOUND + head + OK)), 'complete');
    assert.equal(framing.statusCode, 404);
  });

  it('a response that closes the connection ends the run: no more answers will come', () => {
    const framing = new HttpResponseFraming('GET', 'GET', 'GET');
    const closing = 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok';
    assert.deepEqual(feed(framing, OK + closing, 1000), ['complete']);
    assert.equal(framing.closesConnection, true);
  });

  it('counts the requests of a pipelined write, bodies skipped by their Content-Length', () => {
    const post = 'POST /a HTTP/1.1\r\nContent-Length: 20\r\n\r\nGET /fake HTTP/1.1\r\n';
    const get = 'GET /b HTTP/1.1\r\nHost: x\r\n\r\n';
    const head = 'HEAD /c HTTP/1.1\r\n\r\n';
    assert.deepEqual(pipelinedRequests(Buffer.from(get + post + head)).methods, ['GET', 'POST', 'HEAD']);
    assert.deepEqual(pipelinedRequests(Buffer.from(get)).methods, ['GET']);
    assert.deepEqual(
      pipelinedRequests(Buffer.from(`${get}GET /cut HTTP/1.1\r\nHo`)).methods,
      ['GET'],
      'a request cut at the end is answered with the captured request its rest goes in',
    );
    assert.deepEqual(pipelinedRequests(Buffer.from(`${post.slice(0, 50)}`)).methods, ['POST']);
    assert.deepEqual(
      pipelinedRequests(Buffer.from(`${get}${post.slice(0, 50)}`)).methods,
      ['GET'],
      'nor one whose body is cut',
    );
    assert.deepEqual(pipelinedRequests(Buffer.from('*1\r\n$4\r\nPING\r\n')).methods, []);
  });

  it('says whether the write is whole requests, so that a 100 Continue to them is interim', () => {
    const get = 'GET /b HTTP/1.1\r\nHost: x\r\n\r\n';
    const post = 'POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nok';
    const expecting = 'POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n';
    assert.equal(pipelinedRequests(Buffer.from(get)).whole, true);
    assert.equal(pipelinedRequests(Buffer.from(get + post)).whole, true);
    assert.equal(pipelinedRequests(Buffer.from(expecting)).whole, false, 'the body waits for the 100');
    assert.equal(pipelinedRequests(Buffer.from(get + expecting)).whole, false);
    assert.equal(pipelinedRequests(Buffer.from(`${get}junk`)).whole, false);
    const chunked = 'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n';
    const chunks = '2\r\nok\r\n0\r\n\r\n';
    assert.equal(pipelinedRequests(Buffer.from(chunked + chunks)).whole, true, 'its last chunk is there');
    assert.equal(pipelinedRequests(Buffer.from(chunked + chunks.slice(0, 7))).whole, false);
    assert.deepEqual(pipelinedRequests(Buffer.from(chunked + chunks + get)).methods, ['POST', 'GET']);
    assert.equal(pipelinedRequests(Buffer.from('*1\r\n$4\r\nPING\r\n')).whole, false);
    assert.deepEqual(pipelinedRequests(Buffer.from(get + post)).ends, [get.length, get.length + post.length]);
  });

  it('says how many pipelined requests a closing response cut off', () => {
    const framing = new HttpResponseFraming('GET', 'GET', 'GET');
    const closing = 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok';
    assert.equal(framing.push(Buffer.from(OK)), 'incomplete');
    assert.equal(framing.cutOff, 0);
    assert.equal(framing.push(Buffer.from(closing)), 'complete');
    assert.equal(framing.cutOff, 1);
  });

  it('a framing reopened for the next request (--no-wait) reads a Content-Length body after a chunked one', () => {
    const framing = new HttpResponseFraming('GET');
    assert.equal(framing.push(Buffer.from(CHUNKED)), 'complete');
    assert.equal(framing.expect('GET'), 'incomplete');
    assert.equal(framing.push(Buffer.from(OK)), 'complete');
    assert.equal(framing.statusCode, 200);
  });

  it('a body sent after its 100 Continue (--no-wait) is not one more request to answer', () => {
    const framing = new HttpResponseFraming('POST');
    assert.equal(framing.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n')), 'incomplete');
    assert.equal(framing.expect(), 'incomplete', 'the body: no request line');
    assert.equal(framing.push(Buffer.from(OK)), 'complete', 'the POST answered: nothing more is due');
  });

  it('interim responses (102, 103) are not answers: the final one is, and its status counts', () => {
    const hints = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n';
    const single = new HttpResponseFraming('GET');
    assert.deepEqual(feed(single, hints + OK, 1000), ['complete']);
    assert.equal(single.statusCode, 200);
    const processing = 'HTTP/1.1 102 Processing\r\n\r\n';
    const two = new HttpResponseFraming('GET', 'GET');
    assert.deepEqual(feed(two, processing + OK + hints + NOT_FOUND, 7).at(-1), 'complete');
    assert.equal(feed(new HttpResponseFraming('GET', 'GET'), processing + OK, 1000).at(-1), 'incomplete');
  });

  it('101 Switching Protocols is a final answer: the connection speaks another protocol after it', () => {
    const framing = new HttpResponseFraming('GET');
    const upgrade = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    assert.equal(framing.push(Buffer.from(upgrade)), 'complete');
    assert.equal(framing.statusCode, 101);
  });

  it('after a 102 or 103 the final response is awaited however long it takes; after a 100 it is not', () => {
    const framing = new HttpResponseFraming('GET');
    framing.push(Buffer.from('HTTP/1.1 102 Processing\r\n\r\n'));
    assert.equal(framing.awaitingFinal, true);
    assert.equal(framing.push(Buffer.from(OK)), 'complete');
    assert.equal(framing.awaitingFinal, false);
    const upload = new HttpResponseFraming('POST');
    upload.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'));
    assert.equal(upload.awaitingFinal, false, 'the body goes next, as the capture has it');
  });
});
