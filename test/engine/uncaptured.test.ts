import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serve } from './cooperative-target.ts';
import { CLIENT_ISN, capturedSession, Drive, ofKind, segments } from './script.ts';

/** Sessions whose capture misses every byte of some request: nothing to send, nothing to wait for. */
describe('session engine: requests the capture holds no byte of', () => {
  it('skips them: the others go back to back, and the session completes without waiting', () => {
    const session = capturedSession([
      { data: 'aaaa', responseBytes: 10 },
      { data: '', missing: 6, responseBytes: 10 },
      { data: 'cccc', responseBytes: 10 },
    ]);
    const d = new Drive({ session });
    assert.equal(serve(d), 'completed');
    assert.deepEqual(
      ofKind(d.log, 'request-sent').map((a) => a.index),
      [0, 2],
    );
    const data = segments(d.log).filter((s) => s.payload.length > 0);
    assert.deepEqual(
      data.map((s) => [s.seq, s.payload.toString()]),
      [
        [CLIENT_ISN + 1, 'aaaa'],
        [CLIENT_ISN + 5, 'cccc'],
      ],
    );
    assert.ok(d.nowUs < 1_000_000, `over in ${d.nowUs} µs, not after a session timeout`);
  });

  it('a session with no captured request byte at all connects, sends nothing and closes', () => {
    const session = capturedSession([
      { data: '', missing: 300, responseBytes: 500 },
      { data: '', missing: 200, responseBytes: 500 },
    ]);
    const d = new Drive({ session });
    assert.equal(serve(d), 'completed');
    assert.equal(ofKind(d.log, 'request-sent').length, 0);
    assert.equal(segments(d.log).filter((s) => s.payload.length > 0).length, 0);
    assert.ok(d.nowUs < 1_000_000, `over in ${d.nowUs} µs`);
  });

  it('an uncaptured request read last does not count as a request left when the input ends', () => {
    const session = capturedSession([
      { data: 'aaaa', responseBytes: 10 },
      { data: '', missing: 4, responseBytes: 10 },
    ]);
    const requests = [session.requests[0]];
    const d = new Drive({ session, requests, inputEnded: false });
    d.start(0);
    d.synAck(1_000);
    d.feed(2_000, { seq: 5001, ack: CLIENT_ISN + 5, payloadLength: 10 });
    d.advance(100_000);
    requests.push(session.requests[1]);
    d.requestAvailable(100_000);
    const end = d.inputEnded(100_000);
    assert.equal(d.engine.stats.reconnects, 0);
    assert.deepEqual(
      segments(end).map((s) => s.payload.length),
      [0],
      'only the FIN: no data, no new connection',
    );
    assert.equal(ofKind(d.log, 'request-sent').length, 1);
  });
});
