// A target that sends its next message before the client's next request (SSH's KEXINIT, rsync's
// checksum setup): the bytes beyond the captured answer may be the next request's answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACK, CLIENT_ISN, capturedSession, Drive, ofKind, PSH, TARGET_ISN } from './script.ts';

const T1 = TARGET_ISN + 1;
const sent = (d: Drive) => ofKind(d.log, 'request-sent').map((a) => a.index);
const answered = (d: Drive) => ofKind(d.log, 'response').map(({ index, bytes }) => [index, bytes]);

/**
 * A, B and C, captured answered with 3, 3 and 2 bytes (B's over `bAnswerUs`: [first, last] byte);
 * the target answers A with `firstAnswer` bytes.
 */
function afterFirstAnswer(firstAnswer: number, bAnswerUs?: [number, number]): Drive {
  const session = capturedSession([
    { data: 'A\n', responseBytes: 3 },
    { data: 'B\n', responseBytes: 3 },
    { data: 'C\n', responseBytes: 2 },
  ]);
  if (bAnswerUs) [session.requests[1].responseFirstUs, session.requests[1].responseLastUs] = bAnswerUs;
  const d = new Drive({ session, inputEnded: true });
  d.start(0);
  d.synAck(5_000);
  d.feed(6_000, { seq: T1, ack: CLIENT_ISN + 3, flags: PSH | ACK, payloadLength: firstAnswer });
  d.advance(100_000);
  assert.deepEqual(sent(d), [0, 1], 'B went once the answer to A was over');
  d.feed(101_000, { seq: T1 + firstAnswer, ack: CLIENT_ISN + 5 });
  return d;
}

describe('session engine: an answer the target sent ahead of its request', () => {
  it('counts for the next request after a wait of its own (1 s), with 0 bytes, and the session goes on', () => {
    const d = afterFirstAnswer(6);
    d.advance(1_000_000);
    assert.deepEqual(sent(d), [0, 1], 'B still waits for an answer of its own');
    d.advance(1_200_000);
    assert.deepEqual(answered(d), [
      [0, 6],
      [1, 0],
    ]);
    assert.deepEqual(sent(d), [0, 1, 2]);
  });

  it('once counted, the next request goes: no wait for the end of the captured answer, spread over 3 s', () => {
    const d = afterFirstAnswer(6, [100_000, 3_000_000]);
    d.advance(1_200_000);
    assert.deepEqual(sent(d), [0, 1, 2]);
  });

  it('does not, when the answer before had no more bytes than the captured one', () => {
    const d = afterFirstAnswer(3);
    d.advance(5_000_000);
    assert.deepEqual(sent(d), [0, 1], 'B waits for its answer (until the session timeout)');
    assert.deepEqual(answered(d), [[0, 3]]);
  });
});
