import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapturedSession } from '../../src/flow/session.ts';
import { GapTally } from '../../src/replay/gap-tally.ts';
import { CORPUS, capturedSessions } from '../helpers/captured.ts';

/** The corpus GET session, its one request missing `missing` of its bytes. */
async function withMissingBytes(missing: number, truncatedSegments: number): Promise<CapturedSession> {
  const [session] = await capturedSessions(`${CORPUS}zeek_http_get.pcap`);
  const request = session.requests[0];
  request.gaps = missing > 0 ? [[request.length - missing, missing]] : [];
  session.truncatedSegments = truncatedSegments;
  return session;
}

describe('requests the capture holds only in part', () => {
  it('says nothing when every request is whole, or missing whole (those are skipped and counted apart)', async () => {
    const tally = new GapTally();
    const whole = await withMissingBytes(0, 0);
    const absent = await withMissingBytes(whole.requests[0].length, 0);
    for (const session of [whole, absent]) {
      tally.request(session, session.requests[0]);
      tally.sessionClosed(session);
    }
    assert.equal(tally.warning(), undefined);
  });

  it('blames the snap length when it cut client segments, and lost packets otherwise', async () => {
    const cut = new GapTally();
    const a = await withMissingBytes(10, 2);
    cut.request(a, a.requests[0]);
    cut.sessionClosed(a);
    assert.match(
      cut.warning() ?? '',
      /^1 captured request \(in 1 session\) misses bytes .* snap length cut 2 client segments \(capture with snap length 0/,
    );
    const lost = new GapTally();
    const b = await withMissingBytes(10, 0);
    const c = await withMissingBytes(3, 0);
    lost.request(b, b.requests[0]);
    lost.request(c, c.requests[0]);
    assert.match(
      lost.warning() ?? '',
      /^2 captured requests \(in 2 sessions\) miss bytes .*: the capture lost packets of them$/,
    );
  });
});
