import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import {
  answerExpected,
  answeredAheadWaitUs,
  bytesBeyondCaptured,
  capturedResponseEndUs,
  RESPONSE_QUIET,
  responseQuietUs,
  unansweredInCapture,
} from '../../src/replay/response-quiet.ts';
import { capturedSession } from '../engine/script.ts';

const HTTP = () => true;
const NOT_HTTP = () => false;

test('a response is over after the captured RTT scaled by the speed', () => {
  assert.equal(responseQuietUs(40_000, 1), 40_000);
  assert.equal(responseQuietUs(40_000, 2), 20_000);
  assert.equal(responseQuietUs(40_000, 0.5), 80_000);
});

test('without a captured RTT the default one is scaled', () => {
  assert.equal(responseQuietUs(undefined, 1), RESPONSE_QUIET.defaultRttUs);
  assert.equal(responseQuietUs(0, 2), RESPONSE_QUIET.defaultRttUs / 2);
});

test('loopback RTTs and --speed max wait the floor; a slow handshake waits at most the cap', () => {
  assert.equal(responseQuietUs(50, 1), RESPONSE_QUIET.minUs);
  assert.equal(responseQuietUs(40_000, Number.POSITIVE_INFINITY), RESPONSE_QUIET.minUs);
  assert.equal(responseQuietUs(3_000_000, 1), RESPONSE_QUIET.maxUs);
  assert.equal(
    responseQuietUs(3_000_000, 0.1, { ...RESPONSE_QUIET, defaultRttUs: 1, minUs: 1, maxUs: 60_000_000 }),
    30_000_000,
  );
});

describe('capturedResponseEndUs: how long a response shorter than the captured one is waited for', () => {
  const request = (firstUs?: number, lastUs?: number) => ({
    index: 0,
    offsetUs: 0,
    streamOffset: 0,
    length: 4,
    data: Buffer.from('EHLO'),
    gaps: [],
    parts: [],
    responseBytes: 100,
    responseFirstUs: firstUs,
    responseLastUs: lastUs,
  });

  it('until the captured response ended and half as long again, when it came in parts', () => {
    assert.equal(capturedResponseEndUs(request(300, 40_000)), 60_000);
  });

  it('from the last part of a request sent in parts, as the replay measures it', () => {
    // Parts 500 ms apart; the answer began 10 ms and ended 40 ms after the last part.
    const parted = { ...request(510_000, 540_000), parts: [[2, 500_000]] as Array<[number, number]> };
    assert.equal(capturedResponseEndUs(parted), 60_000);
  });

  it('not at all when it came at one moment, or not at all; never over its bound (10 s)', () => {
    assert.equal(capturedResponseEndUs(request(300, 300)), 0);
    assert.equal(capturedResponseEndUs(request()), 0);
    assert.equal(
      capturedResponseEndUs(request(0, 1_500_000)),
      2_250_000,
      'a pause of over 1 s is waited out',
    );
    assert.equal(capturedResponseEndUs(request(0, 60_000_000)), 10_000_000);
    assert.equal(
      capturedResponseEndUs(request(0, 8_000_000), RESPONSE_QUIET, HTTP),
      RESPONSE_QUIET.maxUs,
      'an HTTP response shorter than captured is most often another answer (a 304): 1 s',
    );
  });
});

describe('answered ahead: a target that sent the next answer with the one before (SSH, rsync)', () => {
  const request = (responseBytes: number, responseFirstUs?: number) => ({
    index: 0,
    offsetUs: 0,
    streamOffset: 0,
    length: 2,
    data: Buffer.from('B\n'),
    gaps: [],
    parts: [],
    responseBytes,
    responseFirstUs,
    responseLastUs: responseFirstUs,
  });

  it('counts the bytes beyond the captured answer, but not for HTTP or a request captured unanswered', () => {
    assert.equal(bytesBeyondCaptured(request(3), NOT_HTTP, 6), 3);
    assert.equal(bytesBeyondCaptured(request(3), NOT_HTTP, 2), 0);
    assert.equal(bytesBeyondCaptured(request(3), HTTP, 6), 0, 'HTTP framing says where a response ends');
    assert.equal(bytesBeyondCaptured(request(0), NOT_HTTP, 6), 0);
  });

  it('waits for an own answer as long as the captured one took and half again, at least the quiet’s bound', () => {
    assert.equal(answeredAheadWaitUs(request(3, 50_000), NOT_HTTP, 3), RESPONSE_QUIET.maxUs);
    assert.equal(answeredAheadWaitUs(request(3, 5_000_000), NOT_HTTP, 3), 7_500_000);
  });

  it('was not answered ahead when the bytes beyond are not as many as its captured answer, or it is HTTP', () => {
    assert.equal(answeredAheadWaitUs(request(3, 50_000), NOT_HTTP, 2), undefined);
    assert.equal(
      answeredAheadWaitUs(request(10, 50_000), NOT_HTTP, 30),
      undefined,
      'an answer that grew by 30 B',
    );
    assert.equal(answeredAheadWaitUs(request(3, 50_000), HTTP, 3), undefined);
    assert.equal(answeredAheadWaitUs(request(0), NOT_HTTP, 3), undefined);
  });
});

describe('unansweredInCapture: a request the target need not answer, as in the capture', () => {
  const oneWay = (synAck: boolean) =>
    capturedSession([{ data: 'line 1\n', responseBytes: 0 }], { synAck, syn: synAck });

  it('is so in a capture of both sides where the server never sent payload (syslog over TCP)', () => {
    assert.equal(unansweredInCapture(oneWay(true), false), true);
  });

  it('is not so in a capture of the client side alone (no SYN-ACK, no server payload): nothing tells', () => {
    assert.equal(unansweredInCapture(oneWay(false), false), false);
  });

  it('is never so when an answer is expected (HTTP, or the capture had one)', () => {
    assert.equal(unansweredInCapture(oneWay(true), true), false);
  });
});

describe('answerExpected: HTTP/2 frames no peer answers', () => {
  const frame = (type: number, flags: number, payload = Buffer.alloc(0)) => {
    const header = Buffer.alloc(9);
    header.writeUIntBE(payload.length, 0, 3);
    header[3] = type;
    header[4] = flags;
    return Buffer.concat([header, payload]);
  };
  const pingAck = frame(6, 1, Buffer.alloc(8));
  const settingsAck = frame(4, 1);
  const windowUpdate = frame(8, 0, Buffer.alloc(4));
  const answered = (data: Buffer) =>
    answerExpected(
      {
        index: 0,
        offsetUs: 0,
        streamOffset: 0,
        length: data.length,
        data,
        gaps: [],
        parts: [],
        responseBytes: 98,
      },
      undefined,
    );

  it('waits for no answer to a PING or SETTINGS ACK, even where the capture shows one (gRPC)', () => {
    assert.equal(answered(pingAck), false);
    assert.equal(answered(Buffer.concat([settingsAck, windowUpdate])), false);
  });

  it('still waits for one to a PING, to HEADERS, to a frame cut short, and to anything else captured answered', () => {
    assert.equal(answered(frame(6, 0, Buffer.alloc(8))), true);
    assert.equal(answered(Buffer.concat([windowUpdate, frame(1, 4, Buffer.alloc(20))])), true);
    assert.equal(answered(pingAck.subarray(0, 12)), true);
    assert.equal(answered(Buffer.from('PING\r\n')), true);
  });
});
