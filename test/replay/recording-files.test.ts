import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { firstPacketUs, goesOn } from '../../src/replay/recording-files.ts';
import { epb, idb, pcapFile, shb, spb, TempDir } from '../capture/build.ts';

const S = 1_000_000;
const T = 1_700_000_000 * S;

describe('which captures are one recording', () => {
  it('a file goes on from the one before when it starts where that one ended', () => {
    assert.equal(goesOn(T, T), true);
    assert.equal(goesOn(T, T + 59 * S), true, 'a silence between the files, as the traffic had');
    assert.equal(goesOn(T, T - 5_000), true, 'a packet filed a little out of order across the cut');
  });

  it('a file that starts before the one before ended, or much later, is a recording of its own', () => {
    assert.equal(goesOn(T + 10 * S, T), false, 'out of order, or the same traffic again');
    assert.equal(goesOn(T, T + 61 * S), false, 'over a minute later');
  });

  it('a file without a packet contradicts nothing', () => {
    assert.equal(goesOn(undefined, T), true);
    assert.equal(goesOn(T, undefined), true);
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
        { tsSec: 1_600_000_000, tsNsec: 0, data: frame },
      ]),
    );
    assert.equal(await firstPacketUs(path), T + 250);
  });

  it('skips pcapng simple packet blocks, which carry no time', async () => {
    const le = true;
    const path = dir.file(
      Buffer.concat([shb(le), idb(le, 1, 65535), spb(le, 60, frame), epb(le, 0, BigInt(T + 7), frame)]),
    );
    assert.equal(await firstPacketUs(path), T + 7);
  });

  it('is undefined for a capture without packets', async () => {
    assert.equal(await firstPacketUs(dir.file(pcapFile([]))), undefined);
  });
});
