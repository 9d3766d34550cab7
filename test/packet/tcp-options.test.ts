import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseTcpOptions } from '../../src/packet/index.ts';

function parse(bytes: number[]) {
  return parseTcpOptions(Buffer.from(bytes), 0, bytes.length);
}

describe('parseTcpOptions', () => {
  it('reads a Linux SYN: MSS, SACK-permitted, timestamps, NOP, window scale', () => {
    const syn = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7];
    assert.deepEqual(parse(syn), { mss: 1460, sackPermitted: true, tsVal: 1, tsEcr: 0, windowScale: 7 });
  });

  it('reads SACK blocks', () => {
    const ack = [1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 5];
    assert.deepEqual(parse(ack), {
      sack: [
        [10, 20],
        [0xfffffff0, 5],
      ],
    });
  });

  it('skips unknown kinds by their length (MPTCP, TFO cookie) and stops at END', () => {
    const bytes = [30, 6, 1, 2, 3, 4, 34, 4, 0xaa, 0xbb, 2, 4, 0x02, 0x18, 0, 2, 4, 0x05, 0xb4];
    assert.deepEqual(parse(bytes), { mss: 0x218 });
  });

  it('ignores options with a wrong length for their kind', () => {
    assert.deepEqual(parse([2, 3, 5, 8, 3, 4, 0, 0]), {});
  });

  it('stops safely on a length below 2 or past the end, keeping what was read', () => {
    assert.deepEqual(parse([2, 4, 0, 100, 8, 0, 1, 1]), { mss: 100 });
    assert.deepEqual(parse([2, 4, 0, 100, 8, 10, 0, 0]), { mss: 100 });
    assert.deepEqual(parse([2]), {});
  });

  it('never reads outside the given range and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.nat(60), fc.nat(60), (bytes, offset, length) => {
        const guarded = (fill: number) => {
          const buf = Buffer.alloc(bytes.length + 128, fill);
          buf.set(bytes, 64);
          const start = 64 + Math.min(offset, bytes.length);
          return parseTcpOptions(buf, start, Math.min(length, 64 + bytes.length - start));
        };
        assert.deepEqual(guarded(0x00), guarded(0x02));
      }),
    );
  });
});
