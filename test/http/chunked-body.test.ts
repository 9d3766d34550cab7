import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChunkedBody } from '../../src/http/chunked-body.ts';

/** A chunked body of these chunks, with optional extensions and trailer fields. */
function encode(chunks: Uint8Array[], extension: boolean, trailers: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    parts.push(Buffer.from(`${chunk.length.toString(16)}${extension ? ';a=b' : ''}\r\n`), Buffer.from(chunk));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0\r\n${trailers.map((t) => `${t}\r\n`).join('')}\r\n`));
  return Buffer.concat(parts);
}

/** Feeds `bytes` in pieces cut at `cuts`; the offset in `bytes` where the body ended, or -1. */
function endIn(bytes: Buffer, cuts: number[]): number {
  const body = new ChunkedBody();
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, bytes.length]) {
    const end = body.consume(bytes.subarray(from, to));
    if (end >= 0) return from + end;
    from = to;
  }
  return -1;
}

describe('chunked body end (RFC 9112 7.1)', () => {
  it('finds the end of any chunked body, however it is cut, and not before', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        fc.boolean(),
        fc.array(fc.constantFrom('X-T: 1', 'Expires: 0'), { maxLength: 2 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 40 }),
        (chunks, extension, trailers, cuts, after) => {
          const body = encode(chunks, extension, trailers);
          assert.equal(endIn(Buffer.concat([body, after]), cuts), body.length);
        },
      ),
    );
  });

  it('never throws or reads past its input on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 4 }), (bytes, cuts) => {
        const end = endIn(Buffer.from(bytes), cuts);
        assert.ok(end >= -1 && end <= bytes.length);
      }),
    );
  });
});
