/**
 * A real capture cut into rotated files at given times, the files read as a replay reads
 * recordings that do not go on from each other (each its own flow table), in the order given: the
 * tally must see every session the cuts fell in, in whatever order the files come.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPcapWriter, forEachRecord } from '../../src/capture/index.ts';
import { readSessions } from '../../src/flow/pipeline.ts';
import { timestampUs } from '../../src/flow/timestamp.ts';
import { sameFile } from '../../src/replay/recording-files.ts';
import { RotationTally } from '../../src/replay/rotation-tally.ts';
import { CORPUS, capturedSessions } from '../helpers/captured.ts';
import { corpusLacks } from '../helpers/corpus.ts';
import { tempDir } from '../helpers/synthetic.ts';

/** 13 HTTP sessions, 6 of them open at once in the first seconds. */
const BRO = `${CORPUS}zeek_http_bro.org.pcap`;
/** One HTTP session of 1000 requests over 623 ms. */
const THOUSAND = `${CORPUS}zeek_http_1000-requests-one-dropped-response.pcap`;
/** Kafka sessions without SYN, ended by the capture's end; three of them one packet each. */
const KAFKA_NAME = 'ndpi_kafka.pcapng';
/** (In the shared corpus only, not in fixtures/corpus.) */
const KAFKA = `${CORPUS}${KAFKA_NAME}`;
const HTTP_GET = `${CORPUS}zeek_http_get.pcap`;

/** Copies `path`'s records to `files`: each to the files `filesOf` gives for its time (ms after the first packet). */
async function split(
  path: string,
  files: string[],
  filesOf: (sinceFirstMs: number) => number[],
): Promise<void> {
  const writers: Array<ReturnType<typeof createPcapWriter>> = [];
  let firstUs: number | undefined;
  await forEachRecord(path, (record) => {
    const us = timestampUs(record);
    firstUs ??= us;
    const bytes = record.buf.subarray(record.offset, record.offset + record.capturedLength);
    for (const part of filesOf((us - firstUs) / 1000)) {
      writers[part] ??= createPcapWriter(files[part], { linkType: record.linkType });
      writers[part].write(record.tsSec, record.tsNsec, bytes, record.originalLength);
    }
  });
  await Promise.all(writers.map((w) => w.close()));
}

/** Writes `path` cut before each of `cutsMs` (ms after its first packet) as `<name>0.pcap`, `<name>1.pcap`, ... */
async function rotate(path: string, dir: string, name: string, cutsMs: number[]): Promise<string[]> {
  const files = Array.from({ length: cutsMs.length + 1 }, (_, i) => join(dir, `${name}${i}.pcap`));
  await split(path, files, (ms) => [cutsMs.filter((cutMs) => ms >= cutMs).length]);
  return files;
}

/** The sessions of `path` a cut `cutMs` after its first packet falls in. */
async function sessionsCutAt(path: string, cutMs: number): Promise<number> {
  const sessions = await capturedSessions(path);
  const cutUs = sessions[0].startUs + cutMs * 1000;
  return sessions.filter((s) => s.startUs < cutUs && s.endUs >= cutUs).length;
}

/** The tally's warning after reading `files` in this order, each file a recording of its own, as a replay reads them. */
async function warningFor(files: string[]): Promise<string | undefined> {
  const tally = new RotationTally((a, b) => sameFile(files[a], files[b]));
  for (const [capture, file] of files.entries()) {
    tally.recordingStarted();
    await readSessions(
      file,
      {
        sessionOpened: (s) => tally.sessionOpened(s, capture),
        sessionClosed: (s) => tally.sessionClosed(s, capture),
      },
      { onPacketTime: (us) => tally.packetRead(capture, us) },
    );
  }
  return tally.warning(files.map((f) => basename(f)));
}

describe('sessions cut in two by rotated files read apart', () => {
  let dir: { path: string; cleanup: () => void };
  let bro: string[];
  let cutFirst: number;
  let cutSecond: number;
  before(async () => {
    dir = tempDir('rp-rotation-tally-');
    bro = await rotate(BRO, dir.path, 'bro', [3_000, 12_000]);
    [cutFirst, cutSecond] = [await sessionsCutAt(BRO, 3_000), await sessionsCutAt(BRO, 12_000)];
    assert.deepEqual([cutFirst, cutSecond], [6, 7], 'the cuts fall in sessions');
  });
  after(() => dir?.cleanup());

  it('names the two files, and counts every session cut, when they are given in reverse order', async () => {
    const [p0, p1] = await rotate(BRO, dir.path, 'two', [3_000]);
    assert.equal(
      await warningFor([p1, p0]),
      'two1.pcap and two0.pcap look like one recording cut in two, given out of order: 6 sessions were ' +
        'cut where one file ends and another goes on, and each part is replayed on a connection of its ' +
        'own, the later part without what came before it (a login, a SELECT) and before it; give the ' +
        'files in capture order (a shell glob sorts rec.pcap10 before rec.pcap2), all of them, to replay ' +
        'them as one recording',
    );
  });

  it('counts the cuts on both sides of a file given out of place, and names the pair out of order', async () => {
    const [p0, p1, p2] = bro;
    const warning = await warningFor([p0, p2, p1]);
    assert.match(
      warning ?? '',
      new RegExp(
        `^bro2\\.pcap and bro1\\.pcap look like one recording cut in two, given out of order: ${cutFirst + cutSecond} sessions were cut .* and, for ${cutSecond} of them, before it;`,
      ),
    );
  });

  it('keeps the warning for files in order that do not go on from each other (one missing, or a long silence)', async () => {
    const [p0, p1, p2] = bro;
    assert.equal(
      await warningFor([p0, p1, p2]),
      `${cutFirst + cutSecond} sessions of bro1.pcap (and the captures after it) go on with sessions bro0.pcap ` +
        'ended mid-way, but does not start where that one ended (rotated files out of order, or one ' +
        'missing?): each part is replayed on a connection of its own, the later one without what came ' +
        'before it (a login, a SELECT); give rotated files in order, all of them, to replay them as one recording',
    );
  });

  it('says nothing for files that do not share a session, or the same file read twice', async () => {
    const [p0, , p2] = bro;
    assert.equal(await warningFor([p0, p2]), undefined, 'the cut sessions of bro0 end before bro2 starts');
    assert.equal(await warningFor([p2, p0]), undefined);
    assert.equal(await warningFor([bro[1], bro[1]]), undefined);
  });

  it('says nothing for the same capture read twice with another between', {
    skip: corpusLacks(KAFKA_NAME),
  }, async () => {
    assert.equal(await warningFor([KAFKA, HTTP_GET, KAFKA]), undefined);
  });

  it('says nothing for a capture and a byte copy of it under another name, in either order', {
    skip: corpusLacks(KAFKA_NAME),
  }, async () => {
    const copy = join(dir.path, 'kafka-copy.pcapng');
    copyFileSync(KAFKA, copy);
    assert.equal(await warningFor([KAFKA, copy]), undefined);
    assert.equal(await warningFor([copy, KAFKA]), undefined);
  });

  it('says nothing for two captures of the same traffic that overlap in time, in either order', async () => {
    // Five connections idle from 11.5 s to their FINs at 17.4 s: each capture holds one end of them.
    const files = [join(dir.path, 'early.pcap'), join(dir.path, 'late.pcap')];
    await split(BRO, files, (ms) => [...(ms < 16_000 ? [0] : []), ...(ms >= 12_000 ? [1] : [])]);
    assert.equal(await warningFor(files), undefined);
    assert.equal(await warningFor([files[1], files[0]]), undefined);
    const [early, late] = files.map((f) => basename(f));
    const cut = await rotate(BRO, dir.path, 'idle', [16_000]);
    assert.match(
      (await warningFor([cut[1], cut[0]])) ?? '',
      /^idle1\.pcap and idle0\.pcap look like one recording cut in two/,
      `the same idle connections, cut where one file ends and the next begins (not ${early} and ${late})`,
    );
  });

  it('counts a connection cut into three parts twice, in any order, and its ends never as a cut', async () => {
    const parts = await rotate(THOUSAND, dir.path, 'long', [200, 400]);
    const [p0, p1, p2] = parts;
    assert.match(
      (await warningFor([p2, p1, p0])) ?? '',
      /^long2\.pcap and long1\.pcap .*: 2 sessions were cut .* and before it;/,
    );
    assert.match(
      (await warningFor([p1, p0, p2])) ?? '',
      /^long1\.pcap and long0\.pcap .*: 2 sessions were cut .*, for 1 of them, before it;/,
    );
    assert.match(
      (await warningFor([p0, p1, p2])) ?? '',
      /^2 sessions of long1\.pcap .* go on with sessions long0\.pcap ended/,
    );
    // Two middle parts: each opens without SYN and ends at its file's end; only one end meets the other's start.
    const [, q1, q2] = await rotate(THOUSAND, dir.path, 'middle', [150, 300, 450]);
    assert.match(
      (await warningFor([q2, q1])) ?? '',
      /^middle2\.pcap and middle1\.pcap .*: 1 session was cut /,
    );
    assert.match(
      (await warningFor([q1, q2])) ?? '',
      /^1 session of middle2\.pcap goes on with sessions middle1\.pcap/,
    );
  });
});
