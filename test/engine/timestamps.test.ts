import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACK, CLIENT_ISN, capturedSession, Drive, PSH, SYN, segments, TARGET_ISN } from './script.ts';

const T1 = TARGET_ISN + 1;
const session = () =>
  capturedSession(
    [
      { data: 'A'.repeat(10), offsetUs: 0, responseBytes: 10 },
      { data: 'B'.repeat(10), offsetUs: 50_000, responseBytes: 10 },
    ],
    { synOptions: { mss: 1460, tsVal: 42_000, tsEcr: 0, windowScale: 7, sackPermitted: true } },
  );

describe('session engine: TCP timestamps', () => {
  it('TSval = captured base + elapsed ms, never decreasing; TSecr echoes the newest target TSval', () => {
    const d = new Drive({ session: session() });
    const [syn] = segments(d.start(1_000_000));
    assert.deepEqual(syn.options, {
      mss: 1460,
      windowScale: 7,
      sackPermitted: true,
      tsVal: 42_000,
      tsEcr: 0,
    });
    d.feed(1_003_500, {
      seq: TARGET_ISN,
      ack: CLIENT_ISN + 1,
      flags: SYN | ACK,
      options: { mss: 1460, tsVal: 900 },
    });
    d.feed(1_010_000, {
      seq: T1,
      ack: CLIENT_ISN + 11,
      flags: PSH | ACK,
      payloadLength: 5,
      options: { tsVal: 905 },
    });
    // reordered: an older TSval arrives later; TSecr must not go back to it
    d.feed(1_011_000, {
      seq: T1 + 5,
      ack: CLIENT_ISN + 11,
      flags: PSH | ACK,
      payloadLength: 5,
      options: { tsVal: 903 },
    });
    d.advance(1_200_000);
    d.feed(1_201_000, {
      seq: T1 + 10,
      ack: CLIENT_ISN + 21,
      flags: PSH | ACK,
      payloadLength: 10,
      options: { tsVal: 990 },
    });
    d.advance(1_400_000);

    const sent = segments(d.log);
    assert.ok(sent.length >= 6, `${sent.length} segments`);
    let last = 0;
    for (const s of sent) {
      assert.ok(s.options.tsVal !== undefined, 'every segment carries TSval');
      assert.ok(s.options.tsVal >= last, `TSval ${s.options.tsVal} after ${last}`);
      last = s.options.tsVal;
    }
    const after = sent.slice(1);
    assert.equal(after[0].options.tsVal, 42_003, 'base + 3 ms at the ACK of the SYN-ACK');
    assert.equal(after[0].options.tsEcr, 900);
    const echoes = after.map((s) => s.options.tsEcr);
    assert.ok(!echoes.includes(903), `TSecr never goes back to a reordered TSval: ${echoes.join(',')}`);
    assert.equal(echoes.at(-1), 990);
  });

  it('without timestamps in the SYN-ACK, no segment carries them after the SYN', () => {
    const d = new Drive({ session: session() });
    d.start(0);
    d.synAck(1_000, { options: { mss: 1460 } });
    d.advance(1_000_000);
    for (const s of segments(d.log).slice(1)) assert.deepEqual(s.options, {});
  });

  it('window scaling: the target window counts scaled by its shift from the SYN-ACK', () => {
    const d = new Drive({
      session: capturedSession([{ data: Buffer.alloc(3000) }], { synOptions: { windowScale: 2 } }),
    });
    d.start(0);
    // the SYN-ACK's own window is never scaled: 1000 bytes
    const first = segments(d.synAck(1_000, { window: 1000, options: { mss: 1000, windowScale: 1 } }));
    assert.deepEqual(
      first.map((s) => s.seq - CLIENT_ISN),
      [1],
    );
    // 1000 << 1 = 2000 bytes from snd.una: both remaining segments fit
    const next = segments(d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 1001, window: 1000 }));
    assert.deepEqual(
      next.map((s) => s.seq - CLIENT_ISN),
      [1001, 2001],
    );
  });
});
