/**
 * A capture whose host clock stepped back mid-file (NTP): the replay plans the sessions after the
 * step where the capture went on, in their captured order and spacing, and says so once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openCaptureFeed } from '../../src/replay/flow-feed.ts';
import type { PlannedSession } from '../../src/replay/plan.ts';
import { type ReplayPlanOptions, ReplayRun, type Transport } from '../../src/replay/run.ts';
import { type SyntheticPacket, syntheticHttpTraffic } from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';
import { observerWith } from '../helpers/replay-observer.ts';

const START_US = 1_700_000_000_000_000;
const SPACING_US = 400_000;
const STEP_BACK_US = 5_000_000;
/** Sessions of one to two requests, 400 ms apart, none overlapping the next. */
const packets = [
  ...syntheticHttpTraffic({
    sessions: 8,
    requestsPerSession: [1, 2],
    sessionSpacingMs: SPACING_US / 1000,
    thinkTimeMs: 50,
    serverLatencyMs: 5,
    rttMs: 1,
    serverPort: 80,
    startUs: START_US,
  }),
];
/** The clock steps back from session 4's first packet on. */
const stepAt = packets.findIndex((p) => p.tsUs >= START_US + 4 * SPACING_US);
const stepped: SyntheticPacket[] = packets.map((p, i) =>
  i >= stepAt ? { ...p, tsUs: p.tsUs - STEP_BACK_US } : p,
);

/** What a run at --speed max plans of `captures` once it has read them all, and its warnings. */
async function planOf(captures: string[]) {
  const planned: PlannedSession[] = [];
  const observer = observerWith({ sessionPlanned: (p) => planned.push(p) });
  // Sessions that run until the run stops them.
  const transport: Transport = {
    name: 'stand-in',
    startSession: (p, env) => ({
      requestAvailable() {},
      inputEnded() {},
      stop: () =>
        env.observer.sessionEnded(p, { outcome: 'stopped', reason: 'stopped', endedMs: env.nowMs() }),
    }),
    close: async () => {},
  };
  const options: ReplayPlanOptions = {
    captures,
    transfers: [{ sourcePort: 80, target: { ip: '127.0.0.1', port: 9 } }],
    speed: Number.POSITIVE_INFINITY,
    concurrency: 100,
    loop: 2,
    samplePercent: 100,
    onlyComplete: false,
    multiply: 1,
    seed: 1,
    lookaheadMs: 2000,
  };
  const run = new ReplayRun(options, transport, observer, openCaptureFeed);
  const done = run.run();
  const deadline = Date.now() + 20_000;
  while (!run.progress().readingDone && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const { warnings } = run.progress();
  run.stop();
  await done;
  const sessions = planned
    .filter((p) => p.loop === 0)
    .map((p) => ({ startUs: p.startUs, requestOffsetsUs: p.requestOffsetsUs }));
  return { sessions, warnings };
}

describe('replaying a capture whose clock steps back mid-file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rp-clock-step-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = async (name: string, list: SyntheticPacket[]) => {
    const path = join(dir, name);
    await writeSyntheticCapture(path, list);
    return path;
  };

  it('plans the sessions after the step in their captured order and spacing, where the capture went on', async () => {
    const captured = await planOf([await write('captured.pcap', packets)]);
    const path = await write('stepped.pcap', stepped);
    const { sessions, warnings } = await planOf([path]);
    assert.equal(sessions.length, 8);
    assert.deepEqual(sessions.slice(0, 4), captured.sessions.slice(0, 4), 'the sessions before the step');
    // The pause before the step cannot be told from the capture: the sessions after it move up by
    // that much at most, all alike.
    const shiftUs = captured.sessions[4].startUs - sessions[4].startUs;
    assert.ok(shiftUs >= 0 && shiftUs < SPACING_US, `moved by ${shiftUs} µs`);
    assert.deepEqual(
      sessions.slice(4),
      captured.sessions.slice(4).map((s) => ({ ...s, startUs: s.startUs - shiftUs })),
      'the sessions after the step',
    );
    const told = warnings.filter((w) => w.includes('clock steps back'));
    assert.deepEqual(told, [
      `${path}: its clock steps back ${((STEP_BACK_US - shiftUs) / 1e6).toFixed(1)} s at record ${stepAt + 1}: replayed as if it went on, in the captured order and pace`,
    ]);
  });

  it('reads a stepped recording cut into rotated files as one, on the same timeline', async () => {
    const whole = await planOf([await write('whole.pcap', stepped)]);
    const cut = stepped.findIndex((p, i) => i > stepAt && p.tsUs >= START_US + 6 * SPACING_US - STEP_BACK_US);
    const files = [
      await write('rotated-0.pcap', stepped.slice(0, cut)),
      await write('rotated-1.pcap', stepped.slice(cut)),
    ];
    assert.ok(cut > stepAt, 'the cut comes after the step');
    const rotated = await planOf(files);
    assert.deepEqual(rotated.sessions, whole.sessions);
    const told = (warnings: string[]) => warnings.filter((w) => w.includes('clock steps back'));
    assert.deepEqual(
      told(rotated.warnings),
      told(whole.warnings).map((w) => w.replace(/^\S+:/, `${files[0]}:`)),
      'the file the step is in, told once',
    );
    assert.equal(told(rotated.warnings).length, 1);
  });
});
