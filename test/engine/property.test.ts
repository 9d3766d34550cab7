import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { EngineAction, ResponseHeader } from '../../src/replay/engine/types.ts';
import { ACK, capturedSession, Drive, FIN, PSH, RST, SYN } from './script.ts';

type Step =
  | { kind: 'tick'; dtUs: number }
  | { kind: 'syn-ack'; window: number; mss: number }
  | { kind: 'ack'; window: number; lag: number }
  | { kind: 'respond'; bytes: number; fin: boolean }
  | { kind: 'repeat' }
  | { kind: 'rst' }
  | { kind: 'random'; header: ResponseHeader };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      dtUs: fc.integer({ min: 0, max: 3_000_000 }),
    }),
    weight: 4,
  },
  fc.record({
    kind: fc.constant('syn-ack' as const),
    window: fc.integer({ min: 0, max: 65535 }),
    mss: fc.integer({ min: 100, max: 9000 }),
  }),
  {
    arbitrary: fc.record({
      kind: fc.constant('ack' as const),
      window: fc.oneof(fc.constant(65535), fc.constant(0), fc.integer({ min: 0, max: 65535 })),
      lag: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2000 })),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('respond' as const),
      bytes: fc.integer({ min: 0, max: 3000 }),
      fin: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
    weight: 3,
  },
  fc.record({ kind: fc.constant('repeat' as const) }),
  fc.record({ kind: fc.constant('rst' as const) }),
  fc.record({
    kind: fc.constant('random' as const),
    header: fc.record({
      seq: fc.nat({ max: 0xffffffff }),
      ack: fc.nat({ max: 0xffffffff }),
      flags: fc.nat({ max: 0xff }),
      window: fc.nat({ max: 0xffff }),
      payloadLength: fc.nat({ max: 2000 }),
      options: fc.record({ tsVal: fc.nat({ max: 0xffffffff }) }, { requiredKeys: [] }),
    }),
  }),
);

const scenario = fc.record({
  requests: fc.array(
    fc.record({
      size: fc.integer({ min: 0, max: 4000 }),
      offsetUs: fc.integer({ min: 0, max: 300_000 }),
      responseBytes: fc.integer({ min: 0, max: 2000 }),
    }),
    { maxLength: 4 },
  ),
  noWait: fc.boolean(),
  speed: fc.constantFrom(1, 3, Number.POSITIVE_INFINITY),
  timestamps: fc.boolean(),
  maxReconnects: fc.integer({ min: 0, max: 2 }),
  synRetries: fc.integer({ min: 0, max: 2 }),
  /** Most scenarios start with a SYN-ACK so that they get somewhere. */
  answerSyn: fc.boolean(),
  steps: fc.array(step, { maxLength: 60 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Plays a rough target from what the engine sent, with the scenario's perturbations. */
function play(s: Scenario): { log: EngineAction[]; times: number[] } {
  const session = capturedSession(
    s.requests.map((r, i) => ({
      data: Buffer.alloc(r.size, 0x41 + i),
      offsetUs: r.offsetUs,
      responseBytes: r.responseBytes,
    })),
    { synOptions: s.timestamps ? { mss: 1460, tsVal: 100, windowScale: 2 } : { mss: 1460 } },
  );
  const d = new Drive({
    session,
    options: { noWait: s.noWait, speed: s.speed, maxReconnects: s.maxReconnects, synRetries: s.synRetries },
  });
  let synSeq = 0;
  let highest = 0;
  let targetNext = 0;
  let last: ResponseHeader | undefined;
  const feed = (h: Omit<ResponseHeader, 'options'>, mss?: number) => {
    const options = s.timestamps ? { tsVal: Math.floor(d.nowUs / 1000) } : {};
    last = { ...h, options: mss === undefined ? options : { ...options, mss } };
    d.feed(d.nowUs, last);
  };
  d.start(0);
  const steps: Step[] = s.answerSyn ? [{ kind: 'syn-ack', window: 65535, mss: 1460 }, ...s.steps] : s.steps;
  for (const st of steps) {
    for (const a of d.log) {
      if (a.kind !== 'send') continue;
      const seg = a.segment;
      if (seg.flags & SYN) {
        if (seg.seq !== synSeq) targetNext = (seg.seq * 7 + 12345) >>> 0;
        synSeq = seg.seq;
        highest = (seg.seq + 1) >>> 0;
      } else {
        const end = (seg.seq + seg.payload.length + (seg.flags & FIN ? 1 : 0)) >>> 0;
        if (((end - highest) | 0) > 0) highest = end;
      }
    }
    if (st.kind === 'tick') d.advance(d.nowUs + st.dtUs);
    else if (st.kind === 'syn-ack') {
      feed(
        {
          seq: targetNext,
          ack: (synSeq + 1) >>> 0,
          flags: SYN | ACK,
          window: st.window,
          payloadLength: 0,
        },
        st.mss,
      );
    } else if (st.kind === 'ack') {
      feed({
        seq: (targetNext + 1) >>> 0,
        ack: (highest - st.lag) >>> 0,
        flags: ACK,
        window: st.window,
        payloadLength: 0,
      });
    } else if (st.kind === 'respond') {
      const flags = ACK | PSH | (st.fin ? FIN : 0);
      feed({ seq: (targetNext + 1) >>> 0, ack: highest, flags, window: 65535, payloadLength: st.bytes });
      targetNext = (targetNext + st.bytes + (st.fin ? 1 : 0)) >>> 0;
    } else if (st.kind === 'repeat') {
      if (last !== undefined) d.feed(d.nowUs, last);
    } else if (st.kind === 'rst') {
      feed({ seq: (targetNext + 1) >>> 0, ack: 0, flags: RST, window: 0, payloadLength: 0 });
    } else d.feed(d.nowUs, st.header);
  }
  d.stop(d.nowUs + 1);
  return { log: d.log, times: d.times };
}

describe('session engine: properties over random feedback', () => {
  it('never throws, always ends after stop(), never skips or rewrites bytes, is deterministic', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { log, times } = play(s);
        const done = log.filter((a) => a.kind === 'done');
        assert.equal(done.length, 1, 'exactly one done');
        assert.equal(log.at(-1)?.kind, 'done', 'nothing after done');

        const sentBytes = new Map<number, Buffer>();
        let iss = 0;
        let highestEnd = 0;
        let lastTsVal = -1;
        let lastAck = -1;
        log.forEach((a, i) => {
          if (a.kind === 'timer') assert.ok(a.atUs > times[i], `timer ${a.atUs} in the past (${times[i]})`);
          if (a.kind !== 'send') return;
          const seg = a.segment;
          if (seg.options.tsVal !== undefined) {
            assert.ok(seg.options.tsVal >= lastTsVal, 'TSval never goes back');
            lastTsVal = seg.options.tsVal;
          }
          if (seg.flags & SYN) {
            iss = seg.seq;
            highestEnd = 1;
            lastAck = -1;
            sentBytes.clear();
            return;
          }
          if (seg.flags & RST) return;
          const offset = (seg.seq - iss) | 0;
          if (seg.flags & ACK) {
            const ack = seg.ack;
            if (lastAck >= 0) assert.ok(((ack - lastAck) | 0) >= 0, 'our ack never goes back');
            lastAck = ack;
          }
          if (seg.payload.length === 0) return;
          assert.ok(offset <= highestEnd, `data at ${offset} skips past ${highestEnd}`);
          seg.payload.forEach((byte, k) => {
            const before = sentBytes.get(offset + k);
            if (before !== undefined)
              assert.equal(byte, before[0], 'a retransmission carries the same bytes');
            else sentBytes.set(offset + k, Buffer.of(byte));
          });
          highestEnd = Math.max(highestEnd, offset + seg.payload.length);
        });

        assert.deepEqual(play(s).log, log, 'same inputs, same actions');
      }),
      { numRuns: 1000 },
    );
  });
});
