import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACK, CLIENT_ISN, capturedSession, Drive, segments, TARGET_ISN, wire } from './script.ts';

const T1 = TARGET_ISN + 1;

describe('session engine: the target window and the MSS', () => {
  it('sends nothing beyond the window; a zero window gets persist probes until it opens', () => {
    const d = new Drive({ session: capturedSession([{ data: Buffer.alloc(3000, 0x63) }]) });
    d.start(0);
    const first = segments(d.synAck(1_000, { window: 1000 }));
    assert.deepEqual(
      first.map((s) => s.payload.length),
      [1000],
      'only what the window allows',
    );

    assert.deepEqual(segments(d.feed(2_000, { seq: T1, ack: CLIENT_ISN + 1001, window: 0 })), []);
    const probes = segments(d.advance(2_000 + 200_000 + 400_000));
    assert.deepEqual(
      probes.map(wire),
      [
        { seq: CLIENT_ISN + 1000, ack: T1, flags: ACK, len: 0 },
        { seq: CLIENT_ISN + 1000, ack: T1, flags: ACK, len: 0 },
      ],
      'empty probes at snd.una - 1, 200 ms then 400 ms apart',
    );
    assert.equal(d.engine.stats.windowProbes, 2);

    const rest = segments(d.feed(700_000, { seq: T1, ack: CLIENT_ISN + 1001, window: 65535 }));
    assert.deepEqual(
      rest.map((s) => [s.seq - CLIENT_ISN, s.payload.length]),
      [
        [1001, 1460],
        [2461, 540],
      ],
    );
    assert.deepEqual(
      segments(d.advance(5_000_000)).filter((s) => s.payload.length === 0 && s.seq === CLIENT_ISN + 1000),
      [],
    );
  });

  it('-M cuts a large request to segments of at most that size', () => {
    const body = Buffer.alloc(2000, 0x64);
    const d = new Drive({ session: capturedSession([{ data: body }]), options: { mss: 536 } });
    d.start(0);
    const sent = segments(d.synAck(1_000)).filter((s) => s.payload.length > 0);
    assert.deepEqual(
      sent.map((s) => s.payload.length),
      [536, 536, 536, 392],
    );
    assert.deepEqual(Buffer.concat(sent.map((s) => s.payload)), body, 'the bytes, in order');
  });

  it('with timestamps the segment payload leaves room for the 12 option bytes', () => {
    const session = capturedSession([{ data: Buffer.alloc(3000) }], { synOptions: { mss: 1460, tsVal: 1 } });
    const d = new Drive({ session });
    d.start(0);
    const sent = segments(d.synAck(1_000, { options: { mss: 1460, tsVal: 5 } })).filter(
      (s) => s.payload.length,
    );
    assert.deepEqual(
      sent.map((s) => s.payload.length),
      [1448, 1448, 104],
    );
  });
});
