import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CaptureFlow, readSessions } from '../../src/flow/pipeline.ts';
import type { CapturedSession } from '../../src/flow/session.ts';
import { CORPUS_FILES } from '../helpers/corpus.ts';

const corpus = CORPUS_FILES;
const capture = join(corpus, 'zeek_http_bro.org.pcap');

describe('capture flow pipeline', () => {
  it('reads only as far as asked: pump(untilUs) stops at that capture time', async () => {
    const opened: CapturedSession[] = [];
    const flow = await CaptureFlow.open(capture, { sessionOpened: (s) => opened.push(s) });
    assert.equal(flow.packets, 0, 'nothing is read before the first pump');
    assert.equal(await flow.pump(Number.NEGATIVE_INFINITY), true);
    assert.equal(flow.packets, 1);
    const firstUs = flow.firstUs;
    assert.equal(await flow.pump(firstUs + 1_000_000), true);
    assert.ok(flow.currentUs >= firstUs + 1_000_000);
    const packetsAfterOneSecond = flow.packets;
    assert.ok(packetsAfterOneSecond > 1 && packetsAfterOneSecond < 751);
    assert.equal(opened.length, 6, 'six sessions open within the first second');
    assert.equal(await flow.pump(), false);
    assert.equal(flow.packets, 751);
    assert.equal(flow.done, true);
    assert.equal(opened.length, 13);
  });

  it('gives the same sessions pumped in small steps as read at once', async () => {
    const whole: CapturedSession[] = [];
    await readSessions(capture, { sessionClosed: (s) => whole.push(s) }, { keepPayload: true });
    const stepped: CapturedSession[] = [];
    const flow = await CaptureFlow.open(
      capture,
      { sessionClosed: (s) => stepped.push(s) },
      { keepPayload: true, chunkBytes: 4096 },
    );
    while (
      await flow.pump(Number.isNaN(flow.currentUs) ? Number.NEGATIVE_INFINITY : flow.currentUs + 50_000)
    ) {
      // step by 50 ms of capture time
    }
    assert.deepEqual(stepped, whole);
  });

  it('closes the file when stopped early', async () => {
    const flow = await CaptureFlow.open(capture, {});
    await flow.pump(Number.NEGATIVE_INFINITY);
    await flow.close();
    assert.equal(flow.done, false);
  });
});
