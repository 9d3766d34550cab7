import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ClientMessageDecoder,
  encodeClientMessage,
  encodeFrame,
  encodeHello,
  FrameDecoder,
  FrameEncoder,
  MessageType,
  RECORD_SIZE,
  WireError,
} from '../../src/intercept/wire.ts';

const route = { clientIp: 0x0a4e0005, clientPort: 40001, targetIp: 0x0a4d0002, targetPort: 8080 };

function record(fill: number): Buffer {
  return Buffer.alloc(RECORD_SIZE, fill);
}

/** Splits `bytes` into pieces at the given cut points. */
function pieces(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  return out;
}

describe('client messages', () => {
  it('encodes an ADD as the 14 packed big-endian bytes tcpcopy sends', () => {
    const bytes = encodeClientMessage(MessageType.ADD, route);
    assert.equal(bytes.toString('hex'), '0a4e0005' + '9c41' + '0001' + '0a4d0002' + '1f90');
  });

  it('decodes hello, ADD and DEL however the bytes are split', () => {
    const stream = Buffer.concat([
      encodeHello(),
      encodeClientMessage(MessageType.ADD, route),
      encodeClientMessage(MessageType.DEL, route),
    ]);
    fc.assert(
      fc.property(fc.array(fc.nat(stream.length), { maxLength: 10 }), (cuts) => {
        const decoder = new ClientMessageDecoder();
        const messages = pieces(stream, cuts).flatMap((p) => decoder.push(p));
        assert.deepEqual(messages, [
          { kind: 'hello', version: 6 },
          { kind: 'add', ...route },
          { kind: 'del', ...route },
        ]);
      }),
    );
  });

  it('accepts the hellos of the C tcpcopy builds (5, 6, advanced 32773)', () => {
    for (const version of [5, 6, 32773]) {
      assert.deepEqual(new ClientMessageDecoder().push(encodeHello(version)), [{ kind: 'hello', version }]);
    }
  });

  it('refuses a foreign version as soon as the first 8 bytes are in', () => {
    const decoder = new ClientMessageDecoder();
    assert.throws(
      () => decoder.push(encodeHello(7).subarray(0, 8)),
      (err: unknown) =>
        err instanceof WireError && err.problem === 'incompatible-version' && /version 7/.test(err.message),
    );
  });

  it('refuses an old-protocol first message (non-zero client address)', () => {
    assert.throws(
      () => new ClientMessageDecoder().push(encodeClientMessage(MessageType.ADD, route)),
      (err: unknown) => err instanceof WireError && err.problem === 'old-protocol-hello',
    );
  });

  it('passes unknown message types through for the server to skip, as intercept 1.0 does', () => {
    const decoder = new ClientMessageDecoder();
    const messages = decoder.push(Buffer.concat([encodeHello(), encodeClientMessage(9, route)]));
    assert.deepEqual(messages[1], { kind: 'unknown', type: 9, ...route });
  });
});

describe('frames', () => {
  it('fills frames of at most 16 records and flushes the rest', () => {
    const encoder = new FrameEncoder();
    const frames: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const full = encoder.add(record(i));
      if (full) frames.push(full);
    }
    const rest = encoder.flush();
    assert.ok(rest);
    frames.push(rest);
    assert.deepEqual(
      frames.map((f) => [f.readUInt16BE(0), f.length]),
      [
        [16, 2 + 16 * 64],
        [4, 2 + 4 * 64],
      ],
    );
    assert.equal(encoder.flush(), undefined);
  });

  it('decodes records in order however the stream is split, and keeps them valid', () => {
    const records = Array.from({ length: 21 }, (_, i) => record(i + 1));
    const stream = Buffer.concat([
      encodeFrame(records.slice(0, 16)),
      encodeFrame([]),
      encodeFrame(records.slice(16)),
    ]);
    fc.assert(
      fc.property(fc.array(fc.nat(stream.length), { maxLength: 30 }), (cuts) => {
        const decoder = new FrameDecoder();
        const out = pieces(stream, cuts).flatMap((p) => decoder.push(p));
        assert.deepEqual(
          out.map((r) => r[0]),
          records.map((r) => r[0]),
        );
        assert.ok(out.every((r, i) => r.equals(records[i])));
        assert.equal(decoder.buffered, 0);
      }),
    );
  });

  it('refuses a frame announcing more than 16 records, as tcpcopy does', () => {
    const bad = Buffer.from([0x00, 0x11]);
    assert.throws(
      () => new FrameDecoder().push(bad),
      (err: unknown) => err instanceof WireError && err.problem === 'frame-count-too-large',
    );
  });
});

describe('decoders under arbitrary input (fuzz)', () => {
  it('the message decoder throws nothing but WireError and consumes every byte', () => {
    const chunksAfterHello = fc
      .tuple(fc.boolean(), fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }))
      .map(([hello, chunks]) => (hello ? [encodeHello(), ...chunks] : chunks));
    fc.assert(
      fc.property(chunksAfterHello, (chunks) => {
        const decoder = new ClientMessageDecoder();
        let total = 0;
        let decoded = 0;
        try {
          for (const chunk of chunks) {
            decoded += decoder.push(chunk).length;
            total += chunk.length;
          }
        } catch (err) {
          assert.ok(err instanceof WireError, String(err));
          return;
        }
        assert.equal(decoded * 14 + decoder.buffered, total);
      }),
      { numRuns: 2000 },
    );
  });

  it('the frame decoder throws nothing but WireError and never yields a short record', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), (chunks) => {
        const decoder = new FrameDecoder();
        try {
          for (const chunk of chunks) {
            for (const r of decoder.push(Buffer.from(chunk))) assert.equal(r.length, RECORD_SIZE);
          }
        } catch (err) {
          assert.ok(err instanceof WireError, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
