import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { firstPacketUs, goesOn } from '../../src/replay/recording-files.ts';
import { epb, idb, pcapFile, shb, spb, TempDir } from '../capture/build.ts';

const S = 1_000_000;
const T = 1_700_000_000 * S;

/** A recording read from `first` to `last` (its last packet confirmed). */
const span = (first: number, last: number, pending = last) => ({
  firstUs: first,
  lastUs: last,
  pendingUs: pending,
});
const GLITCH = 2 * S;

describe('which captures are one recording', () => {
  it('a file goes on from the one before when it starts where that one ended', () => {
    assert.equal(goesOn(span(T - S, T), T, GLITCH), true);
    assert.equal(
      goesOn(span(T - S, T), T + 59 * S, GLITCH),
      true,
      'a silence between the files, as the traffic had',
    );
    assert.equal(
      goesOn(span(T - S, T), T - 5_000, GLITCH),
      true,
      'a packet filed a little out of order across the cut',
    );
  });

  it('a file that starts before the one before ended, or much later, is a recording of its own', () => {
    assert.equal(goesOn(span(T, T + 10 * S), T, GLITCH), false, 'out of order');
    assert.equal(goesOn(span(T - S, T), T + 61 * S, GLITCH), false, 'over a minute later');
  });

  it('a copy of a capture is no continuation of it, however short the capture', () => {
    assert.equal(goesOn(span(T, T + 3_000), T, GLITCH), false);
    assert.equal(goesOn({ firstUs: T, lastUs: undefined, pendingUs: T }, T, GLITCH), false, 'one packet');
  });

  it('a last packet stamped far ahead (a clock glitch) is not where the recording ended', () => {
    const glitched = span(T - S, T, T + 20 * 365 * 86_400 * S);
    assert.equal(goesOn(glitched, T + 1_000, GLITCH), true);
    assert.equal(
      goesOn(span(T - S, T, T + 30 * S), T + 31 * S, GLITCH),
      true,
      'a last packet after a silence is no glitch',
    );
  });

  it('a file without a packet, or a recording without one, contradicts nothing', () => {
    assert.equal(goesOn({ firstUs: undefined, lastUs: undefined, pendingUs: undefined }, T, GLITCH), true);
    assert.equal(goesOn(span(T - S, T), undefined, GLITCH), true);
  });
});

describe('a capture file’s first packet time', () => {
  const dir = new TempDir();
  after(() => dir.remove());
  const frame = Buffer.alloc(60);

  it('is that of its first record', async () => {
    const path = dir.file(
      pcapFile([
        { tsSec: 1_700_000_000, tsNsec: 250_000, data: frame },
        { tsSec: 1_700_000_001, tsNsec: 0, data: frame },
      ]),
    );
    assert.equal(await firstPacketUs(path, GLITCH), T + 250);
  });

  it('is that of the second record when the first is stamped far ahead of it (a clock glitch)', async () => {
    const path = dir.file(
      pcapFile([
        { tsSec: 1_900_000_000, tsNsec: 0, data: frame },
        { tsSec: 1_700_000_000, tsNsec: 250_000, data: frame },
      ]),
    );
    assert.equal(await firstPacketUs(path, GLITCH), T + 250);
  });

  it('skips pcapng simple packet blocks, which carry no time', async () => {
    const le = true;
    const path = dir.file(
      Buffer.concat([shb(le), idb(le, 1, 65535), spb(le, 60, frame), epb(le, 0, BigInt(T + 7), frame)]),
    );
    assert.equal(await firstPacketUs(path, GLITCH), T + 7);
  });

  it('is undefined for a capture without packets', async () => {
    assert.equal(await firstPacketUs(dir.file(pcapFile([])), GLITCH), undefined);
  });
});
