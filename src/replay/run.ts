/**
 * A replay run: reads the captures (streaming, read-ahead bounded by the replay clock), plans
 * the selected sessions, starts each on its schedule through a transport, and ends when every
 * planned session has an outcome. Transport-agnostic: the socket and raw transports plug in
 * through `Transport`.
 *
 * Read-ahead: in timed mode the capture is read up to `lookaheadMs` (capture time) beyond the
 * replay clock; at --speed max, until a backlog of sessions waits to start (bounded in sessions
 * and in request bytes). The run starts once that first read-ahead is done (the window or the
 * backlog is full, the capture is read, or a second has passed): in timed mode the clock starts
 * then, at --speed max the first sessions, so that the burst of reading it does not make the
 * first sends late or compete with the first requests. In both modes a session that has sent everything read
 * so far (`needInput`) makes the reader go further. Memory therefore follows the sessions open
 * or waiting at once, not the capture's size.
 */
import { statSync } from 'node:fs';
import { ClockSteps } from '../flow/clock-steps.ts';
import { FlowTable } from '../flow/flow-table.ts';
import type { CapturedRequest, CapturedSession } from '../flow/session.ts';
import type { SessionEnd } from '../report/metrics.ts';
import type { SessionOutcome } from '../report/outcome.ts';
import { plural } from '../util/plural.ts';
import { unitInterval } from '../util/seeded.ts';
import { ReplayClock } from './clock.ts';
import { opensTunnel } from './continuation.ts';
import { DueQueue } from './due-queue.ts';
import { EncryptedTally } from './encrypted-tally.ts';
import type { FlowFeed, OpenFlowFeed } from './flow-feed.ts';
import { GapTally } from './gap-tally.ts';
import { IdleCutter } from './idle-cutter.ts';
import type { ReplayObserver, SessionEnv } from './observer.ts';
import { type PlannedSession, type SessionDriver, sessionKey } from './plan.ts';
import { clockStepWarning, firstPacketUs, goesOn, type RecordingSpan, sameFile } from './recording-files.ts';
import { RotationTally } from './rotation-tally.ts';
import { matchTransfer, type Transfer } from './transfer.ts';
import { TransferTally } from './transfer-tally.ts';

export interface ReplayPlanOptions {
  captures: string[];
  transfers: Transfer[];
  /** Capture-seconds per wall-second; Infinity for --speed max. */
  speed: number;
  /** At --speed max, at most this many sessions at once. */
  concurrency: number;
  /** Idle stretches of the capture longer than this are cut to it (ms). */
  maxIdleMs?: number;
  loop: number;
  /** Percentage of sessions replayed, chosen by session and seed. */
  samplePercent: number;
  onlyComplete: boolean;
  multiply: number;
  seed: number;
  /** How far (capture ms) the reader runs ahead of the replay clock. */
  lookaheadMs: number;
}

export interface Transport {
  readonly name: string;
  startSession(planned: PlannedSession, env: SessionEnv): SessionDriver;
  close(): Promise<void>;
  /** What the transport counted, for the report (after close). */
  counters?(): Record<string, number>;
}

/** Sessions left out of the plan, by reason. */
export interface Excluded {
  noTransfer: number;
  sampledOut: number;
}

export interface RunProgress {
  /** Replay clock position and an estimate of the timeline's end (µs). */
  timelineUs: number;
  timelineEstimateUs: number | undefined;
  readingDone: boolean;
  planned: number;
  /** Sessions the plan will have once the captures are read: `planned`, extrapolated while reading. */
  plannedEstimate: number;
  unstarted: number;
  active: number;
  ended: number;
  paused: boolean;
  speed: number;
  excluded: Excluded;
  /** Capture warnings (e.g. a truncated final record), with the file named. */
  warnings: string[];
}

/** At --speed max, the backlog of sessions read ahead: at most this many, holding this many request bytes. */
const READ_AHEAD_SESSIONS = 4096;
const READ_AHEAD_BYTES = 32 * 1024 * 1024;
/** ...and the run waits at most this long (ms) for its first read-ahead to be done. */
const READ_AHEAD_WAIT_MS = 1000;

/** Captures read as one recording (see recording-files.ts): one flow table, one timeline. */
interface Recording {
  readonly table: FlowTable;
  /** Mends the recording's times where its clock steps back, from one file to the next. */
  readonly clockSteps: ClockSteps;
  /** Per capture read, from the first: its index, and the id of the first session its packets opened. */
  readonly captures: Array<{ index: number; firstSessionId: number }>;
  /** Its first packet's capture time, and the latest one no packet after it showed a clock glitch. */
  readonly span: RecordingSpan;
  /** Sees every packet's capture time, in file order. */
  readonly observe: (us: number) => void;
  /** Counts the last packet time read on the timeline (no packet after it can show it a glitch). */
  readonly confirmLast: () => void;
}

/** Resolves after the event loop's due timers and I/O events have run. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** partDelaysUs of the requests sent at once (nearly all). */
const NO_PARTS: readonly number[] = Object.freeze([]);
const NOT_YET_STARTED: SessionDriver = { requestAvailable() {}, inputEnded() {}, stop() {} };

export class ReplayRun {
  readonly clock: ReplayClock;
  private readonly queue: DueQueue;
  /** What every session's driver sees of the run (the same for all). */
  private readonly env: SessionEnv;
  private readonly t0 = performance.now();
  private readonly drivers = new Map<PlannedSession, SessionDriver>();
  private readonly copiesOf = new Map<CapturedSession, PlannedSession[]>();
  private readonly startBacklog: PlannedSession[] = [];
  /**
   * Request bytes read for the sessions in the start backlog, in all and per session. Each -n
   * copy counts the bytes it shares with the others, so with -n the bound is reached sooner.
   */
  private backlogBytes = 0;
  private readonly backlogBytesOf = new Map<PlannedSession, number>();
  /** The first read-ahead is done: until then the clock is held (no session starts, none is due). */
  private readAheadFilled = false;
  /** Paused by the user (`p`), as opposed to held until the first read-ahead is done. */
  private userPaused = false;
  private readonly starving = new Set<PlannedSession>();
  private readonly excluded: Excluded = { noTransfer: 0, sampledOut: 0 };
  private readonly transferTally: TransferTally;
  private readonly transfersPlanned = new Set<Transfer>();
  private readonly encryptedTally = new EncryptedTally();
  /** Captured sessions that open with a proxy's CONNECT. */
  private readonly tunnelled = new WeakSet<CapturedSession>();
  private readonly gapTally = new GapTally();
  private readonly rotationTally = new RotationTally((a, b) =>
    sameFile(this.options.captures[a], this.options.captures[b]),
  );
  private readonly warnings: string[] = [];
  /** Planned sessions not yet handed to the transport (scheduled or in the start backlog). */
  private readonly pending = new Set<PlannedSession>();
  private planned = 0;
  private ended = 0;
  private stopped = false;
  private readingDone = false;
  /** Where the capture being read starts on the replay timeline, and how far it has been read. */
  private timelineBaseUs = 0;
  private readTimelineUs = 0;
  /** Sizes of the captures (bytes on disk), and of those read to their end so far (each loop counts). */
  private captureSizes: number[] | undefined;
  private bytesReadBefore = 0;
  private readingCapture = 0;
  /** The share of the capture being read that has been read. */
  private readingFraction = 0;
  private wakeReader: (() => void) | undefined;
  private finished!: () => void;
  private readonly done = new Promise<void>((resolve) => {
    this.finished = resolve;
  });

  constructor(
    private readonly options: ReplayPlanOptions,
    private readonly transport: Transport,
    private readonly observer: ReplayObserver,
    private readonly openFeed: OpenFlowFeed,
  ) {
    this.transferTally = new TransferTally(options.transfers);
    this.clock = new ReplayClock(() => this.nowMs(), options.speed);
    this.clock.pause();
    this.queue = new DueQueue(this.clock);
    this.env = {
      nowMs: () => this.nowMs(),
      at: (us, fn) => this.queue.at(us, fn),
      lateMs: (us) => this.clock.lateMs(us),
      speed: () => this.clock.speed,
      needInput: (p) => {
        this.starving.add(p);
        this.wake();
      },
      observer: {
        ...observer,
        sessionEnded: (p, result) => this.sessionEnded(p, result),
      },
    };
  }

  nowMs(): number {
    return performance.now() - this.t0;
  }

  /** Reads, plans and replays; resolves once every planned session has an outcome. */
  async run(): Promise<void> {
    let failure: unknown;
    try {
      await this.readAll();
    } catch (err) {
      // What was planned still ends with an outcome (and a report) before the error is told.
      failure = err;
      this.stop(
        `the capture could not be read further (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    await this.done;
    this.queue.stop();
    await this.transport.close();
    if (failure !== undefined) throw failure;
  }

  /** Ends the run: sessions not started end 'stopped', running ones are stopped with `reason`. */
  stop(reason = 'the run was stopped'): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.stop();
    this.startBacklog.length = 0;
    for (const p of [...this.pending]) this.endUnstarted(p, 'stopped', `${reason} before it started`);
    for (const driver of [...this.drivers.values()]) driver.stop(reason);
    this.wake();
    this.checkDone();
  }

  /** Once the captures are read (not stopped): why no session was selected to replay, if none was. */
  get nothingSelected(): string | undefined {
    return this.readingDone && !this.stopped && this.transferTally.selectedNone
      ? this.transferTally.nothingSelected(this.options.captures)
      : undefined;
  }

  /** The -x entries a planned session went to so far, in the map's order (the report's targets). */
  get transfersUsed(): Transfer[] {
    return this.options.transfers.filter((t) => this.transfersPlanned.has(t));
  }

  /** Paused by the user (the clock is also held until the first read-ahead is done). */
  get paused(): boolean {
    return this.userPaused;
  }

  pause(): void {
    this.userPaused = true;
    this.clock.pause();
    this.queue.rearm();
  }

  resume(): void {
    this.userPaused = false;
    if (this.readAheadFilled) this.clock.resume();
    this.queue.rearm();
    this.startFromBacklog();
  }

  private readAheadDone(): void {
    if (this.readAheadFilled) return;
    this.readAheadFilled = true;
    if (!this.userPaused) this.clock.resume();
    this.queue.rearm();
    this.startFromBacklog();
    this.wake();
  }

  setSpeed(speed: number): void {
    if (this.clock.speed === Number.POSITIVE_INFINITY) return;
    this.clock.setSpeed(speed);
    this.queue.rearm();
    this.wake();
  }

  progress(): RunProgress {
    return {
      timelineUs: Math.min(this.clock.captureNowUs(), this.readTimelineUs),
      timelineEstimateUs: this.timelineEstimateUs(),
      readingDone: this.readingDone,
      planned: this.planned,
      plannedEstimate: this.plannedEstimate(),
      unstarted: this.pending.size,
      active: this.drivers.size,
      ended: this.ended,
      paused: this.userPaused,
      speed: this.clock.speed,
      excluded: { ...this.excluded },
      warnings: [...this.warnings],
    };
  }

  /**
   * The timeline's end: known once reading is done, else (or when a stop cut the reading short)
   * extrapolated by the share of the input read.
   */
  private timelineEstimateUs(): number | undefined {
    if (this.readingDone && !this.stopped) return this.readTimelineUs;
    const read = this.shareRead();
    return read > 0 ? this.readTimelineUs / read : undefined;
  }

  /** The sessions planned so far, extrapolated as the timeline is. */
  private plannedEstimate(): number {
    if (this.readingDone && !this.stopped) return this.planned;
    const read = this.shareRead();
    return read > 0 ? Math.max(this.planned, Math.round(this.planned / read)) : this.planned;
  }

  /** The share of the input (every capture, every loop) read so far, by bytes on disk (0..1). */
  private shareRead(): number {
    const sizes = this.captureSizes;
    if (sizes === undefined) return 0;
    const total = sizes.reduce((sum, size) => sum + size, 0) * this.options.loop;
    const read = this.bytesReadBefore + this.readingFraction * (sizes[this.readingCapture] ?? 0);
    return total > 0 ? Math.min(1, read / total) : 0;
  }

  private async readAll(): Promise<void> {
    const { captures, loop } = this.options;
    this.captureSizes = captures.map(fileSize);
    for (let l = 0; l < loop && !this.stopped; l++) {
      let recording: Recording | undefined;
      for (let c = 0; c < captures.length && !this.stopped; c++) {
        this.readingCapture = c;
        this.readingFraction = 0;
        const sameFileAgain = c > 0 && sameFile(captures[c - 1], captures[c]);
        if (recording === undefined || sameFileAgain || !(await this.goesOn(recording, c))) {
          if (recording !== undefined) this.endRecording(recording);
          recording = this.startRecording(l);
        }
        await this.readCapture(recording, c);
        if (this.stopped) break; // what was read of it stays the share read, for the estimates
        this.bytesReadBefore += this.captureSizes[c];
        this.readingFraction = 0;
      }
      if (recording !== undefined) this.endRecording(recording);
    }
    this.readingDone = true;
    this.warnings.push(...this.planWarnings());
    this.readAheadDone();
    this.checkDone();
  }

  /** What the user should hear about the plan once the captures are read. */
  private planWarnings(): string[] {
    const warnings = this.transferTally.unusedEntries();
    warnings.push(...this.encryptedTally.warnings());
    const gaps = this.gapTally.warning();
    if (gaps !== undefined) warnings.push(gaps);
    const rotation = this.rotationTally.warning(this.options.captures);
    if (rotation !== undefined) warnings.push(rotation);
    if (this.planned === 0 && this.excluded.sampledOut > 0 && !this.stopped) {
      const sessions = plural(this.excluded.sampledOut, 'session');
      warnings.push(
        `--sample ${this.options.samplePercent} chose none of the ${sessions} -x selected (the choice is by session and --seed)`,
      );
    }
    return warnings;
  }

  /**
   * Whether capture `captureIndex`, another file, goes on from the recording read so far (see
   * recording-files.ts): its first packet time mended as the recording's last was.
   */
  private async goesOn(recording: Recording, captureIndex: number): Promise<boolean> {
    const glitchUs = this.options.lookaheadMs * 1000;
    const firstUs = await firstPacketUs(this.options.captures[captureIndex], glitchUs);
    const mendedUs = firstUs === undefined ? undefined : firstUs + recording.clockSteps.offsetUs;
    return goesOn(recording.span, mendedUs, glitchUs);
  }

  /** Starts reading a recording (of loop `loop`): a flow table and a timeline of its own. */
  private startRecording(loop: number): Recording {
    const cutter = new IdleCutter(
      this.options.maxIdleMs !== undefined ? this.options.maxIdleMs * 1000 : Infinity,
    );
    const span: RecordingSpan = { firstUs: undefined, lastUs: undefined, pendingUs: undefined };
    const base = this.timelineBaseUs;
    const toTimeline = (us: number) => base + cutter.map(us) - cutter.map(span.firstUs ?? us);
    // Sessions replayed (planned, and not left out by --only-complete) that go on across recordings.
    const rotation = loop === 0 && !this.options.onlyComplete ? this.rotationTally : undefined;
    rotation?.recordingStarted();
    let unconfirmedUs: number | undefined;
    let packets = 0;
    // A session is of the capture its first packet was read from (it may be announced a packet later).
    const captureOf = (session: CapturedSession): number => {
      const read = recording.captures;
      let i = read.length - 1;
      while (i > 0 && read[i].firstSessionId > session.id) i--;
      return read[i].index;
    };
    const recording: Recording = {
      table: new FlowTable(
        {
          sessionOpened: (s) => {
            const capture = captureOf(s);
            const planned = this.plan(s, capture, loop, toTimeline(s.startUs));
            if (planned) rotation?.sessionOpened(s, capture);
            return planned;
          },
          requestCompleted: (s, r) => this.addRequest(s, r, toTimeline),
          sessionClosed: (s) => {
            if (this.copiesOf.has(s)) rotation?.sessionClosed(s, recording.captures.at(-1)!.index);
            this.closeInput(s, toTimeline);
          },
        },
        {
          keepPayload: true,
          knownServer: (endpoint) => {
            const transfer = matchTransfer(this.options.transfers, endpoint);
            return transfer === undefined ? undefined : transfer.sourceIp !== undefined ? 'address' : 'port';
          },
        },
      ),
      clockSteps: new ClockSteps(),
      captures: [],
      span,
      observe: (us) => {
        packets++;
        rotation?.packetRead(recording.captures.at(-1)!.index, us);
        span.firstUs ??= us;
        cutter.observe(us);
        // A packet time counts once the next packet does not step back far behind it: one packet
        // stamped years ahead (a clock glitch) would otherwise end the timeline there, holding
        // the read-ahead, the progress and the captures and loops after this one that long.
        let timelineUs = toTimeline(us);
        const glitch =
          unconfirmedUs !== undefined && timelineUs < unconfirmedUs - this.options.lookaheadMs * 1000;
        if (glitch && packets === 2) {
          // The first packet was the glitch: the timeline starts here, or every session would be due at once.
          span.firstUs = us;
          timelineUs = toTimeline(us);
        } else if (unconfirmedUs !== undefined && !glitch) {
          this.readTimelineUs = Math.max(this.readTimelineUs, unconfirmedUs);
          span.lastUs = Math.max(span.lastUs ?? Number.NEGATIVE_INFINITY, span.pendingUs ?? us);
        }
        unconfirmedUs = timelineUs;
        span.pendingUs = us;
      },
      confirmLast: () => {
        if (unconfirmedUs !== undefined) this.readTimelineUs = Math.max(this.readTimelineUs, unconfirmedUs);
      },
    };
    return recording;
  }

  /**
   * The recording's files are read: its sessions still open close (unless the run was stopped,
   * which ends them), and the next recording's timeline starts after it.
   */
  private endRecording(recording: Recording): void {
    if (!this.stopped) recording.table.end();
    recording.confirmLast();
    this.timelineBaseUs = this.readTimelineUs;
    const files = recording.captures.map((c) => this.options.captures[c.index]);
    this.warnOnce(clockStepWarning(files, recording.clockSteps.tally()));
  }

  /** Each --loop reads the captures again: what they make the run say is said once. */
  private warnOnce(warning: string | undefined): void {
    if (warning !== undefined && !this.warnings.includes(warning)) this.warnings.push(warning);
  }

  private async readCapture(recording: Recording, captureIndex: number): Promise<void> {
    recording.captures.push({ index: captureIndex, firstSessionId: recording.table.sessions });
    const path = this.options.captures[captureIndex];
    const feed: FlowFeed = await this.openFeed(
      path,
      recording.table,
      recording.observe,
      recording.clockSteps,
    );
    try {
      while (!this.stopped) {
        await this.readPermit();
        if (this.stopped) break;
        const more = await feed.step();
        this.readingFraction = feed.fractionRead();
        if (!this.readAheadFilled && (!this.mayRead() || this.nowMs() >= READ_AHEAD_WAIT_MS)) {
          this.readAheadDone();
        }
        if (!more) break;
        // A step that found its records already read returns without a turn of the event loop:
        // reading on (for a session waiting on a request not over yet, or a backlog at --speed
        // max) would hold every due send and every socket event until the whole stretch is read.
        if (this.readAheadFilled) await nextTurn();
      }
      for (const w of feed.warnings()) this.warnOnce(w);
    } finally {
      await feed.close();
    }
  }

  /** Plans the copies of a captured session; false when none is (its payload is then not kept). */
  private plan(session: CapturedSession, captureIndex: number, loop: number, startUs: number): boolean {
    if (this.stopped) return false;
    const transfer = matchTransfer(this.options.transfers, session.server);
    if (loop === 0) this.transferTally.count(transfer, session.server);
    if (!transfer) {
      this.excluded.noTransfer++;
      return false;
    }
    const { seed, samplePercent, multiply, onlyComplete } = this.options;
    if (
      samplePercent < 100 &&
      unitInterval(seed, 'sample', captureIndex, session.id) * 100 >= samplePercent
    ) {
      this.excluded.sampledOut++;
      return false;
    }
    this.transfersPlanned.add(transfer);
    const copies: PlannedSession[] = [];
    for (let copy = 0; copy < multiply; copy++) {
      const planned: PlannedSession = {
        key: sessionKey(captureIndex, session.id, copy, loop),
        ordinal: this.planned,
        captureIndex,
        session,
        copy,
        loop,
        target: transfer.target,
        startUs,
        requestOffsetsUs: [],
        partDelaysUs: [],
        inputEnded: false,
      };
      if (onlyComplete && !session.handshake.syn) {
        planned.notReplayable = 'no handshake captured (--only-complete)';
      }
      copies.push(planned);
      this.observer.sessionPlanned(planned);
      this.planned++;
      this.pending.add(planned);
      if (this.clock.speed === Number.POSITIVE_INFINITY) {
        this.startBacklog.push(planned);
        this.backlogBytesOf.set(planned, 0);
      } else {
        this.queue.at(startUs, () => this.start(planned));
      }
    }
    this.copiesOf.set(session, copies);
    this.startFromBacklog();
    return true;
  }

  private addRequest(session: CapturedSession, request: CapturedRequest, toTimeline: (us: number) => number) {
    const copies = this.copiesOf.get(session);
    if (!copies) return;
    if (copies[0].loop === 0) {
      // Through a proxy's tunnel, the protocol opens with the request after the CONNECT.
      if (request.index === 0 && opensTunnel(request.data)) this.tunnelled.add(session);
      else if (request.index === (this.tunnelled.has(session) ? 1 : 0))
        this.encryptedTally.firstRequest(request.data, session.server.port);
      this.gapTally.request(session, request);
    }
    const requestUs = session.startUs + request.offsetUs;
    const offsetUs = toTimeline(requestUs) - toTimeline(session.startUs);
    const partDelaysUs =
      request.parts.length === 0
        ? NO_PARTS
        : request.parts.map(([, sinceUs]) => this.readOffsetUs(requestUs, requestUs + sinceUs, toTimeline));
    const closeAfterUs = request.halfClosed ? request.halfClosedAfterUs : undefined;
    const halfCloseDelayUs =
      closeAfterUs === undefined
        ? undefined
        : this.readOffsetUs(requestUs, requestUs + closeAfterUs, toTimeline);
    for (const p of copies) {
      if (halfCloseDelayUs !== undefined) p.halfCloseDelayUs = halfCloseDelayUs;
      const backlogged = this.backlogBytesOf.get(p);
      if (backlogged !== undefined) {
        this.backlogBytesOf.set(p, backlogged + request.data.length);
        this.backlogBytes += request.data.length;
      }
      p.requestOffsetsUs.push(offsetUs);
      p.partDelaysUs.push(partDelaysUs);
      this.observer.requestPlanned(p);
      this.starving.delete(p);
      this.drivers.get(p)?.requestAvailable();
    }
  }

  private closeInput(session: CapturedSession, toTimeline: (us: number) => number): void {
    const copies = this.copiesOf.get(session);
    if (!copies) return;
    // The captured close: the replay holds a session open until then.
    const endOffsetUs = this.readOffsetUs(session.startUs, session.endUs, toTimeline);
    if (copies[0].loop === 0) this.gapTally.sessionClosed(session);
    this.copiesOf.delete(session);
    for (const p of copies) {
      p.inputEnded = true;
      p.endOffsetUs = endOffsetUs;
      this.observer.inputEnded(p);
      this.starving.delete(p);
      this.drivers.get(p)?.inputEnded();
    }
  }

  /**
   * How far capture time `us` comes after `fromUs` on the timeline, for a time of the session just
   * read (its close, a part of a request): a packet stamped far ahead (a clock glitch) moves it no
   * further than what has been read and the read-ahead.
   */
  private readOffsetUs(fromUs: number, us: number, toTimeline: (us: number) => number): number {
    const readUs = this.readTimelineUs + this.options.lookaheadMs * 1000;
    return Math.max(0, Math.min(toTimeline(us), readUs) - toTimeline(fromUs));
  }

  private start(planned: PlannedSession): void {
    if (this.stopped || !this.pending.has(planned)) return;
    if (planned.notReplayable !== undefined) {
      this.endUnstarted(planned, 'not-replayable', planned.notReplayable);
      return;
    }
    this.unpend(planned);
    // Registered before the transport runs, so that a session ending at once is still counted.
    this.drivers.set(planned, NOT_YET_STARTED);
    const driver = this.transport.startSession(planned, this.env);
    if (this.drivers.get(planned) !== NOT_YET_STARTED) return;
    this.drivers.set(planned, driver);
    if (planned.inputEnded) driver.inputEnded();
  }

  private startFromBacklog(): void {
    while (
      !this.stopped &&
      !this.clock.paused &&
      this.startBacklog.length > 0 &&
      this.drivers.size < this.options.concurrency
    ) {
      const next = this.startBacklog.shift();
      if (next) this.start(next);
    }
    this.wake();
  }

  private sessionEnded(planned: PlannedSession, end: SessionEnd): void {
    if (!this.drivers.delete(planned)) return;
    this.starving.delete(planned);
    this.recordEnd(planned, end);
    this.startFromBacklog();
  }

  /** A planned session that never reached a transport still gets its outcome. */
  private endUnstarted(planned: PlannedSession, outcome: SessionOutcome, reason: string): void {
    this.unpend(planned);
    this.recordEnd(planned, { outcome, reason, endedMs: this.nowMs() });
  }

  /** The session leaves the plan's waiting sessions (and, at --speed max, the backlog's bytes). */
  private unpend(planned: PlannedSession): void {
    this.pending.delete(planned);
    const bytes = this.backlogBytesOf.get(planned);
    if (bytes === undefined) return;
    this.backlogBytesOf.delete(planned);
    this.backlogBytes -= bytes;
  }

  private recordEnd(planned: PlannedSession, end: SessionEnd): void {
    this.ended++;
    this.observer.sessionEnded(planned, end);
    this.checkDone();
  }

  private checkDone(): void {
    if ((this.readingDone || this.stopped) && this.drivers.size === 0 && this.pending.size === 0) {
      this.finished();
    }
  }

  private readPermit(): Promise<void> {
    if (this.mayRead()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wakeReader = resolve;
      if (this.clock.speed !== Number.POSITIVE_INFINITY) {
        this.queue.at(this.readTimelineUs - this.options.lookaheadMs * 1000, () => this.wake());
      }
    });
  }

  private mayRead(): boolean {
    // Until a session is selected, nothing read is kept: a map that selects none is found out at
    // the speed of the disk, not of the capture's timeline.
    if (this.stopped || this.starving.size > 0 || this.planned === 0) return true;
    if (this.clock.speed === Number.POSITIVE_INFINITY) return this.mayReadAhead();
    return this.readTimelineUs < this.clock.captureNowUs() + this.options.lookaheadMs * 1000;
  }

  /** At --speed max: the backlog of sessions waiting to start is not full yet. */
  private mayReadAhead(): boolean {
    return (
      this.pending.size < Math.max(2 * this.options.concurrency, READ_AHEAD_SESSIONS) &&
      this.backlogBytes < READ_AHEAD_BYTES
    );
  }

  private wake(): void {
    const resolve = this.wakeReader;
    if (resolve && this.mayRead()) {
      this.wakeReader = undefined;
      resolve();
    }
  }
}

/** A capture's size on disk; 0 when it cannot be told (the reading says what is wrong with it). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
