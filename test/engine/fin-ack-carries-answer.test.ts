/**
 * Found replaying through intercept with 5% of packets dropped: the replayer's ACK of a response
 * header was lost, the target (Nagle) held the body back, the replayer judged the response over
 * and sent its FIN, and the body came in the segment that acknowledged that FIN. The wire had
 * 381 more response bytes than the report: the engine ended the session on the ACK of its FIN
 * before reading the payload of the same segment. Pure engine test, no network.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACK, CLIENT_ISN, capturedSession, Drive, FIN, ofKind, PSH, segments, TARGET_ISN } from './script.ts';

const T1 = TARGET_ISN + 1;
const REQUEST = 'GET /err HTTP/1.1\r\nHost: t\r\n\r\n';
const END = CLIENT_ISN + 1 + REQUEST.length;

describe('raw engine: response bytes in the segment that acknowledges our FIN', () => {
  it('counts them in the session and the last request', () => {
    const d = new Drive({
      session: capturedSession([{ data: REQUEST, responseBytes: 132 }]),
      inputEnded: true,
    });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: T1, ack: END, flags: PSH | ACK, payloadLength: 132 });
    const fin = segments(d.advance(1_000_000)).find((s) => (s.flags & FIN) !== 0);
    assert.ok(fin, 'the engine sent its FIN once the response was quiet');
    assert.equal(d.engine.state, 'fin-sent');

    const close = d.feed(1_001_000, { seq: T1 + 132, ack: END + 1, flags: PSH | ACK, payloadLength: 381 });
    // The session's bytes received (raw-session.ts adds what no response took to the session).
    assert.equal(d.engine.stats.responseBytes, 132 + 381, 'every byte the target sent is counted');
    assert.deepEqual(ofKind(close, 'done'), [{ kind: 'done', outcome: 'completed' }]);
  });
});
