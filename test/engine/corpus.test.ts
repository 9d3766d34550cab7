import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readSessions } from '../../src/flow/pipeline.ts';
import type { CapturedSession } from '../../src/flow/session.ts';
import { CORPUS_FILES } from '../helpers/corpus.ts';
import { serve } from './cooperative-target.ts';
import { Drive, SYN } from './script.ts';

const CORPUS = CORPUS_FILES;

async function sessionsOf(file: string): Promise<CapturedSession[]> {
  const sessions: CapturedSession[] = [];
  await readSessions(`${CORPUS}${file}`, { sessionClosed: (s) => sessions.push(s) }, { keepPayload: true });
  return sessions;
}

/** Request bytes the engine sent for the first time, in order. */
function firstTransmissions(d: Drive): Buffer {
  const parts: Buffer[] = [];
  let iss = 0;
  let highest = 0;
  for (const a of d.log) {
    if (a.kind !== 'send') continue;
    const s = a.segment;
    if (s.flags & SYN) {
      iss = s.seq;
      highest = 1;
    } else if (s.payload.length > 0) {
      const offset = (s.seq - iss) >>> 0;
      if (offset + s.payload.length > highest) {
        parts.push(s.payload.subarray(highest - offset));
        highest = offset + s.payload.length;
      }
    }
  }
  return Buffer.concat(parts);
}

const skip = existsSync(CORPUS) ? false : `no corpus at ${CORPUS}`;

describe('session engine on real captured sessions, against a cooperative target', { skip }, () => {
  for (const [file, noWait] of [
    ['zeek_http_bro.org.pcap', false],
    ['zeek_http_bro.org.pcap', true],
    ['zeek_http_get_nosyn.pcap', false],
    ['zeek_http_1000-requests-one-dropped-response.pcap', false],
  ] as const) {
    it(`${file}${noWait ? ' --no-wait' : ''}: every request byte sent once, in order, at the captured seq`, async () => {
      const sessions = (await sessionsOf(file)).filter((s) => s.requests.length > 0);
      assert.ok(sessions.length > 0);
      for (const session of sessions) {
        const d = new Drive({ session, options: { speed: Number.POSITIVE_INFINITY, noWait } });
        assert.equal(serve(d), 'completed', `session ${session.id}`);
        const expected = Buffer.concat(session.requests.map((r) => r.data));
        assert.ok(firstTransmissions(d).equals(expected), `session ${session.id}: the captured bytes`);
        const firstData = d.log.find((a) => a.kind === 'send' && a.segment.payload.length > 0);
        assert.equal(firstData?.kind === 'send' && firstData.segment.seq, session.clientDataSeq);
        const sent = d.log
          .filter((a) => a.kind === 'request-sent')
          .map((a) => a.kind === 'request-sent' && a.index);
        assert.deepEqual(
          sent,
          session.requests.map((r) => r.index),
        );
        assert.equal(d.engine.stats.retransmissions, 0);
        const ignored = Object.keys(d.engine.stats.ignored).filter((reason) => reason !== 'duplicate-ack');
        assert.deepEqual(ignored, [], 'only repeated pure ACKs (the target acknowledges everything it has)');
      }
    });
  }
});
