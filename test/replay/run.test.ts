/**
 * The run orchestration with a stand-in transport (sessions that never finish on their own):
 * what matters here is the bookkeeping, not the network.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { projectPath } from '../../src/paths.ts';
import { type OpenFlowFeed, openCaptureFeed } from '../../src/replay/flow-feed.ts';
import type { PlannedSession, SessionDriver } from '../../src/replay/plan.ts';
import { type ReplayPlanOptions, ReplayRun, type Transport } from '../../src/replay/run.ts';
import { type SyntheticPacket, syntheticHttpTraffic } from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';
import { pcapFile, readBack } from '../capture/build.ts';
import { lineProtocolCapture } from '../helpers/line-capture.ts';
import { observerWith } from '../helpers/replay-observer.ts';

const DEMO = projectPath('recordings', 'demo-shop.pcap');

function options(over: Partial<ReplayPlanOptions> = {}): ReplayPlanOptions {
  return {
    captures: [DEMO],
    transfers: [{ sourcePort: 8080, target: { ip: '127.0.0.1', port: 9 } }],
    speed: Number.POSITIVE_INFINITY,
    concurrency: 10,
    loop: 1,
    samplePercent: 100,
    onlyComplete: false,
    multiply: 1,
    seed: 1,
    lookaheadMs: 2000,
    ...over,
  };
}

/** Synthetic HTTP traffic options, but for what a test sets. */
const HTTP = { sessionSpacingMs: 100, thinkTimeMs: 100, serverLatencyMs: 1, rttMs: 1, serverPort: 80 };

/** The packets, the `at`-th of them (from 0) stamped 20 years ahead: a clock glitch. */
function* stampedYearsAhead(packets: Iterable<SyntheticPacket>, at: number): Generator<SyntheticPacket> {
  const twentyYearsUs = 20 * 365 * 86_400 * 1e6;
  let index = 0;
  for (const p of packets) yield index++ === at ? { ...p, tsUs: p.tsUs + twentyYearsUs } : p;
}

/** Runs the replay for `ms`, then stops it and waits for every session to end. */
async function stopAfter(run: ReplayRun, ms: number): Promise<void> {
  const done = run.run();
  await new Promise((r) => setTimeout(r, ms));
  run.stop();
  await done;
}

/** Sessions that run until stopped; records what the run told the observer. */
function harness() {
  const ended = new Map<string, string>();
  const planned: PlannedSession[] = [];
  let active = 0;
  let peakActive = 0;
  const observer = observerWith({
    sessionPlanned: (p) => planned.push(p),
    sessionEnded: (p, end) => {
      assert.ok(!ended.has(p.key), `${p.key} ended twice`);
      ended.set(p.key, end.outcome);
    },
  });
  const transport: Transport = {
    name: 'stand-in',
    startSession(p, env): SessionDriver {
      active++;
      peakActive = Math.max(peakActive, active);
      return {
        requestAvailable() {},
        inputEnded() {},
        stop() {
          active--;
          env.observer.sessionEnded(p, { outcome: 'stopped', reason: 'the run was stopped' });
        },
      };
    },
    close: async () => {},
  };
  return { observer, transport, ended, planned, peak: () => peakActive };
}

/**
 * The demo recording cut in two files at its middle packet, the second stamped `laterS` later;
 * `glitchAt`: that packet of the first (counted from its end) stamped 20 years ahead.
 */
async function splitDemo(dir: string, { laterS = 0, glitchAt }: { laterS?: number; glitchAt?: number } = {}) {
  const { records } = await readBack(DEMO);
  const half = Math.floor(records.length / 2);
  const first = records.slice(0, half);
  if (glitchAt !== undefined) {
    const at = first.length - 1 - glitchAt;
    first[at] = { ...first[at], tsSec: first[at].tsSec + 20 * 365 * 86_400 };
  }
  const parts = [first, records.slice(half).map((r) => ({ ...r, tsSec: r.tsSec + laterS }))];
  const files = parts.map((part, i) => {
    const file = join(dir, `rotated-${i}.pcap`);
    writeFileSync(file, pcapFile(part, { linkType: part[0].linkType }));
    return file;
  });
  return files as [string, string];
}

/**
 * What a run at --speed max plans of `captures` once it has read them all (sessions that never
 * end, so none is let go): per session, in order, its start and its requests' offsets on the
 * timeline; and the run's warnings.
 */
async function planOf(captures: string[], over: Partial<ReplayPlanOptions> = {}) {
  const h = harness();
  const run = new ReplayRun(options({ captures, ...over }), h.transport, h.observer, openCaptureFeed);
  const done = run.run();
  const deadline = Date.now() + 20_000;
  while (!run.progress().readingDone && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const warnings = run.progress().warnings;
  run.stop();
  await done;
  const sessions = h.planned.map((p) => ({ startUs: p.startUs, requestOffsetsUs: p.requestOffsetsUs }));
  return { sessions, warnings };
}

describe('replay run', () => {
  it('stopping ends every planned session exactly once, started or not', async () => {
    const h = harness();
    const run = new ReplayRun(options(), h.transport, h.observer, openCaptureFeed);
    await stopAfter(run, 300);
    assert.ok(h.planned.length > 10);
    assert.equal(h.ended.size, h.planned.length);
    assert.ok([...h.ended.values()].every((o) => o === 'stopped'));
  });

  it('--speed max keeps at most --concurrency sessions at once', async () => {
    const h = harness();
    const run = new ReplayRun(options({ concurrency: 7 }), h.transport, h.observer, openCaptureFeed);
    const done = run.run();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(run.progress().active, 7);
    run.stop();
    await done;
    assert.equal(h.peak(), 7);
  });

  it('--speed max reads the capture ahead before the first session starts, when it fits the backlog', async () => {
    const h = harness();
    let readAtFirstStart: boolean | undefined;
    const transport: Transport = {
      ...h.transport,
      startSession(p, env) {
        readAtFirstStart ??= run.progress().readingDone;
        return h.transport.startSession(p, env);
      },
    };
    const run = new ReplayRun(options(), transport, h.observer, openCaptureFeed);
    await stopAfter(run, 300);
    assert.equal(readAtFirstStart, true);
    assert.equal(h.planned.length, 150);
  });

  it('in timed mode the clock starts once the first look-ahead window is read, so the first sends are not late', async () => {
    const h = harness();
    // A slow reader: 5 ms per 20 ms step of capture time, so the demo's first 2 s window takes
    // about half a second to read. Started before, the clock would make the first session that late.
    const slowFeed: OpenFlowFeed = async (path, sink, onPacketTime) => {
      const feed = await openCaptureFeed(path, sink, onPacketTime);
      return {
        ...feed,
        step: () => {
          const until = performance.now() + 5;
          while (performance.now() < until) {}
          return feed.step();
        },
      };
    };
    let firstLateMs: number | undefined;
    const transport: Transport = {
      ...h.transport,
      startSession(p, env) {
        firstLateMs ??= env.lateMs(p.startUs);
        return h.transport.startSession(p, env);
      },
    };
    const run = new ReplayRun(options({ speed: 1 }), transport, h.observer, slowFeed);
    await stopAfter(run, 900);
    assert.ok(firstLateMs !== undefined && firstLateMs < 200, `first session ${firstLateMs} ms late`);
    assert.equal(run.progress().paused, false);
  });

  it('a run stopped part way still estimates the whole timeline, not the part read', async () => {
    const h = harness();
    const run = new ReplayRun(options({ speed: 1 }), h.transport, h.observer, openCaptureFeed);
    await stopAfter(run, 600);
    // The demo recording spans about 12 s; a 2 s look-ahead had been read.
    const { timelineUs, timelineEstimateUs } = run.progress();
    assert.ok(
      timelineEstimateUs !== undefined && timelineEstimateUs > 9e6,
      `estimate ${timelineEstimateUs} µs`,
    );
    assert.ok(timelineUs < timelineEstimateUs / 2, `at ${timelineUs} µs of ${timelineEstimateUs}`);
  });

  it('reads rotated files as one recording: a session the cut fell in is planned whole, on the timeline of the merged file', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'rp-run-rotated-'));
    after(() => rmSync(scratch, { recursive: true, force: true }));
    const [first, second] = await splitDemo(scratch);
    const whole = await planOf([DEMO]);
    const rotated = await planOf([first, second]);
    assert.ok(whole.sessions.length === 150, `${whole.sessions.length} sessions in the demo recording`);
    assert.deepEqual(rotated.sessions, whole.sessions);
    assert.equal(
      rotated.warnings.find((w) => w.includes('ended mid-way')),
      undefined,
    );
  });

  it('a packet stamped far ahead in a rotated file (a clock glitch) does not keep the files apart', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'rp-run-rotated-'));
    after(() => rmSync(scratch, { recursive: true, force: true }));
    for (const glitchAt of [0, 40]) {
      const { sessions, warnings } = await planOf(await splitDemo(scratch, { glitchAt }));
      assert.equal(sessions.length, 150, `glitch ${glitchAt} packets before the cut`);
      assert.equal(
        warnings.find((w) => w.includes('ended mid-way')),
        undefined,
      );
    }
  });

  it('a copy of a capture, or the capture by another path, is replayed again, not read as its continuation', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'rp-run-copy-'));
    after(() => rmSync(scratch, { recursive: true, force: true }));
    // A short capture: every packet within a few milliseconds.
    const packets = [
      ...syntheticHttpTraffic({
        ...HTTP,
        sessions: 3,
        requestsPerSession: 1,
        sessionSpacingMs: 1,
        thinkTimeMs: 0,
      }),
    ];
    const path = join(scratch, 'short.pcap');
    await writeSyntheticCapture(path, packets);
    const copy = join(scratch, 'copy.pcap');
    writeFileSync(copy, readFileSync(path));
    for (const again of [copy, join(scratch, '.', 'short.pcap')]) {
      const { sessions } = await planOf([path, again], {
        transfers: [{ sourcePort: 80, target: { ip: '127.0.0.1', port: 9 } }],
      });
      assert.equal(sessions.length, 6, again);
    }
  });

  it('says when a capture goes on with sessions the one before ended mid-way but is no continuation of it', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'rp-run-rotated-'));
    after(() => rmSync(scratch, { recursive: true, force: true }));
    // The second part stamped two minutes later than it was captured: a gap no rotation leaves.
    const [first, second] = await splitDemo(scratch, { laterS: 120 });
    const { sessions, warnings } = await planOf([first, second]);
    assert.ok(sessions.length > 150, `${sessions.length} sessions: the cut ones count twice`);
    assert.match(
      warnings.find((w) => w.includes('ended mid-way')) ?? '',
      new RegExp(`sessions? of ${second} go(es)? on with sessions ${first} ended mid-way`),
    );
    for (const [label, captures, over] of [
      ['one file', [DEMO], {}],
      ['the same file twice', [DEMO, DEMO], {}],
      ['sessions not replayed (--sample)', [first, second], { samplePercent: 0.001 }],
      ['sessions not replayed (--only-complete)', [first, second], { onlyComplete: true }],
    ] as Array<[string, string[], Partial<ReplayPlanOptions>]>) {
      const other = await planOf(captures, over);
      assert.equal(
        other.warnings.find((w) => w.includes('ended mid-way')),
        undefined,
        label,
      );
    }
  });

  it('estimates the timeline and the sessions of every loop and capture, not of the one being read', async () => {
    const h = harness();
    const captures = [DEMO, DEMO];
    const run = new ReplayRun(
      options({ speed: 1, loop: 2, captures }),
      h.transport,
      h.observer,
      openCaptureFeed,
    );
    await stopAfter(run, 600);
    // Four readings of the demo recording (about 12 s and 150 sessions each); a 2 s look-ahead read.
    const { timelineEstimateUs, planned, plannedEstimate } = run.progress();
    assert.ok(
      timelineEstimateUs !== undefined && timelineEstimateUs > 36e6,
      `estimate ${timelineEstimateUs} µs`,
    );
    assert.ok(
      plannedEstimate > 450 && plannedEstimate > 4 * planned,
      `${plannedEstimate} of ${planned} planned`,
    );
  });

  it('reading on for a session whose next request is far ahead gives due sends a turn between steps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rp-run-read-on-'));
    try {
      // One session asks again only after 30 s (think time); 3000 others come 10 ms apart meanwhile.
      const startUs = 1_700_000_000_000_000;
      const packets = [
        ...syntheticHttpTraffic({
          ...HTTP,
          sessions: 1,
          requestsPerSession: 2,
          thinkTimeMs: 30_000,
          serverPort: 81,
          startUs,
        }),
        ...syntheticHttpTraffic({
          ...HTTP,
          sessions: 3000,
          requestsPerSession: 1,
          sessionSpacingMs: 10,
          startUs,
        }),
      ].sort((a, b) => a.tsUs - b.tsUs);
      const path = join(dir, 'late.pcap');
      await writeSyntheticCapture(path, packets);
      const h = harness();
      let plannedWhenATimerRan: number | undefined;
      const transport: Transport = {
        ...h.transport,
        startSession(p, env) {
          // As a transport does with every request read so far sent: the reader must go on.
          if (p.session.server.port === 81 && plannedWhenATimerRan === undefined) {
            env.needInput(p);
            setTimeout(() => {
              plannedWhenATimerRan = h.planned.length;
            }, 0);
          }
          return h.transport.startSession(p, env);
        },
      };
      const transfers = [80, 81].map((sourcePort) => ({ sourcePort, target: { ip: '127.0.0.1', port: 9 } }));
      const run = new ReplayRun(
        options({ captures: [path], transfers, speed: 1 }),
        transport,
        h.observer,
        openCaptureFeed,
      );
      await stopAfter(run, 1500);
      assert.ok(
        plannedWhenATimerRan !== undefined && plannedWhenATimerRan < 1000,
        `a timer due at once ran only once ${plannedWhenATimerRan} of 3001 sessions were read`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--multiply and --loop plan every copy of every session, each under its own key', async () => {
    const h = harness();
    const run = new ReplayRun(
      options({ multiply: 2, loop: 2, speed: 1000 }),
      h.transport,
      h.observer,
      openCaptureFeed,
    );
    await stopAfter(run, 1000);
    const keys = new Set(h.planned.map((p) => p.key));
    assert.equal(keys.size, h.planned.length);
    assert.equal(h.planned.length, 150 * 2 * 2);
  });

  describe('a capture with one packet stamped 20 years ahead of the rest (a clock glitch)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rp-run-glitch-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const TRAFFIC = {
      sessions: 200,
      requestsPerSession: 1,
      sessionSpacingMs: 100,
      thinkTimeMs: 10,
      serverLatencyMs: 5,
      rttMs: 1,
      serverPort: 8080,
    };
    /** 200 sessions, one every 100 ms (20 s); packet 50 (an ACK in the first second) is 20 years off. */
    const glitched = join(dir, 'glitch.pcap');
    const written = writeSyntheticCapture(glitched, stampedYearsAhead(syntheticHttpTraffic(TRAFFIC), 50));

    it('reads ahead only its window and keeps the timeline to the other packets', async () => {
      await written;
      const h = harness();
      const run = new ReplayRun(
        options({ captures: [glitched], speed: 1 }),
        h.transport,
        h.observer,
        openCaptureFeed,
      );
      const done = run.run();
      // The clock starts once the first look-ahead is read (at most a second); then 300 ms more.
      for (let waited = 0; run.progress().timelineUs <= 0 && waited < 5000; waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
      const planned = h.planned.length;
      const estimateUs = run.progress().timelineEstimateUs;
      run.stop();
      await done;
      // 2 s of look-ahead past a clock still under a second: about 25 sessions, neither all 200 nor
      // only those before the glitch.
      assert.ok(planned >= 20 && planned < 60, `${planned} sessions read ahead`);
      assert.ok(estimateUs !== undefined && estimateUs < 60e6, `timeline end estimated at ${estimateUs} µs`);
    });

    it('when the first packet is the one 20 years off, the sessions still start on their own schedule', async () => {
      const firstGlitched = join(dir, 'first-glitch.pcap');
      await writeSyntheticCapture(
        firstGlitched,
        stampedYearsAhead(syntheticHttpTraffic({ ...TRAFFIC, sessions: 20 }), 0),
      );
      const h = harness();
      const run = new ReplayRun(
        options({ captures: [firstGlitched], speed: 1000 }),
        h.transport,
        h.observer,
        openCaptureFeed,
      );
      await stopAfter(run, 600);
      const starts = h.planned.map((p) => p.startUs);
      assert.equal(starts.length, 20);
      // One every 100 ms of capture time from the start, as captured (the first at 0 either way).
      assert.deepEqual(
        starts.slice(1).map((us) => Math.round(us / 1000)),
        Array.from({ length: 19 }, (_, i) => 100 * (i + 1)),
      );
    });

    it('the session with the glitched packet is not held open 20 years: its end stays near what was read', async () => {
      await written;
      const h = harness();
      const run = new ReplayRun(
        options({ captures: [glitched], speed: 1000 }),
        h.transport,
        h.observer,
        openCaptureFeed,
      );
      await stopAfter(run, 600);
      const ends = h.planned.flatMap((p) => (p.endOffsetUs === undefined ? [] : [p.endOffsetUs]));
      assert.ok(ends.length > 100, `${ends.length} sessions closed`);
      assert.ok(Math.max(...ends) < 5e6, `a session held ${Math.max(...ends)} µs`);
    });

    it('--loop starts the next round when the capture ends, not 20 years later', async () => {
      await written;
      const h = harness();
      const run = new ReplayRun(
        options({ captures: [glitched], speed: 1000, loop: 2 }),
        h.transport,
        h.observer,
        openCaptureFeed,
      );
      await stopAfter(run, 600);
      const secondRound = h.planned.filter((p) => p.loop === 1);
      assert.equal(secondRound.length, 200);
      assert.ok(secondRound[0].startUs < 60e6, `round 2 starts at ${secondRound[0].startUs} µs`);
    });
  });
});

describe('replay run: a request sent in parts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rp-run-parts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** Three readings 5 s apart, answered after the last: one request in three parts. */
  const readings = lineProtocolCapture(
    join(dir, 'readings.pcap'),
    7000,
    [
      ['r1\n', undefined],
      ['r2\n', undefined],
      ['r3\n', 'ok\n'],
    ],
    { pauseUs: 5_000_000 },
  );

  for (const [maxIdleMs, delaysUs] of [
    [undefined, [5_002_000, 10_004_000]],
    [1000, [1_001_000, 2_002_000]],
  ] as const) {
    it(`plans the pauses on the replay timeline${maxIdleMs ? ', cut by --max-idle' : ''}`, async () => {
      const h = harness();
      const transfers = [{ sourcePort: 7000, target: { ip: '127.0.0.1', port: 9 } }];
      const run = new ReplayRun(
        options({ captures: [await readings], transfers, maxIdleMs }),
        h.transport,
        h.observer,
        openCaptureFeed,
      );
      await stopAfter(run, 300);
      const [planned] = h.planned;
      assert.equal(planned.session.requests.length, 1);
      assert.deepEqual(planned.partDelaysUs, [delaysUs]);
    });
  }

  it('a part stamped years ahead (a clock glitch) is due no later than what was read and the read-ahead', async () => {
    const glitched = lineProtocolCapture(
      join(dir, 'glitched.pcap'),
      7000,
      [
        ['r1\n', undefined],
        ['r2\n', undefined],
        ['r3\n', 'ok\n'],
      ],
      // Packet 7 is r3 (after the handshake, r1, r2 and their ACKs), the request's last part.
      { pauseUs: 5_000_000, glitch: { packet: 7, aheadUs: 20 * 365 * 86_400 * 1e6 } },
    );
    const h = harness();
    const transfers = [{ sourcePort: 7000, target: { ip: '127.0.0.1', port: 9 } }];
    const run = new ReplayRun(
      options({ captures: [await glitched], transfers }),
      h.transport,
      h.observer,
      openCaptureFeed,
    );
    await stopAfter(run, 300);
    const [planned] = h.planned;
    assert.equal(planned.session.requests[0].parts.length, 2);
    const [[r2Us, r3Us]] = planned.partDelaysUs;
    assert.equal(r2Us, 5_002_000);
    assert.ok(r3Us > 5e6 && r3Us < 15e6, `the last part is due ${r3Us} µs after the first, not in 20 years`);
  });
});
