import { rmSync } from 'node:fs';
import { type LiveCapture, type LiveCaptureError, openLiveCapture } from '../capture/live.ts';
import { PCAP_FILE_HEADER_BYTES, PCAP_RECORD_HEADER_BYTES } from '../capture/pcap-format.ts';
import type { CaptureRecord } from '../capture/record.ts';
import { DecodeContext } from '../packet/context.ts';
import { decodeRecord } from '../packet/decode.ts';
import { DecodeStatus } from '../packet/status.ts';
import { newPacketView } from '../packet/view.ts';
import { timerDelayMs } from '../util/timer-delay.ts';
import { PacketAction, RecordControl, type StopReason } from './control.ts';
import { DrainEnd, type DrainLimits, StopDrain } from './drain.ts';
import { rotatedPath } from './file-names.ts';
import { openRecordingFile, type RecordingFile } from './output.ts';
import { SessionTally } from './session-tally.ts';
import type { RecordStats } from './stats.ts';

export interface RecorderOptions {
  device: string;
  filter: string;
  /** Output path, or '-' for stdout. With rotation, files are numbered (see file-names.ts). */
  output: string;
  snapLength: number;
  bufferSize?: number;
  nanosecond: boolean;
  count?: number;
  durationMs?: number;
  rotateBytes?: number;
  ringFiles?: number;
  /** How often buffered records reach the file (default 500 ms: a killed recorder loses less than that). */
  flushIntervalMs?: number;
  /** The longest the capture stays open after a timed stop to read what came before it (default 5 s). */
  drainLimitMs?: number;
}

export interface RecordedFile {
  path: string;
  packets: number;
  bytes: number;
  /** Deleted because it fell out of the ring. */
  deleted: boolean;
}

export interface RecordingResult {
  stopReason: StopReason;
  /** What went wrong, for 'write-failed' and 'capture-failed'. */
  error: string | null;
  files: RecordedFile[];
  packets: number;
  bytes: number;
  elapsedMs: number;
  linkType: number;
  /** The device captured on: on 'lo' (and for loopback traffic on 'any') libpcap's counts take each packet twice. */
  device: string;
  /** Packets libpcap delivered (some may arrive after the stop and not be written). */
  received: number;
  dropped: number;
  ifDropped: number | null;
  /**
   * Packets the kernel still held, unread, when the drain after a timed stop ran out of time: not
   * written, and some may have been stamped before the stop. 0 when the drain read all it had to.
   */
  unread: number;
}

/** The output could not be created; nothing was recorded. */
export class RecordOutputError extends Error {
  override name = 'RecordOutputError';
}

const STATS_PORTS = 5;
/** The longest libpcap holds captured packets back (its batch timeout). */
const BATCH_TIMEOUT_MS = 100;
/**
 * After a stop by signal, Ctrl-C or duration, the capture stays open to take the packets captured
 * before the stop that libpcap still holds (see drain.ts): until it is quiet for two batch
 * timeouts (scheduling slack), or for at most 5 s.
 */
const DRAIN_QUIET_MS = 2 * BATCH_TIMEOUT_MS;
const DRAIN_LIMIT_MS = 5000;
/** Stops that cut the recording at a moment in time, rather than at a packet. */
const TIMED_STOPS: ReadonlySet<StopReason> = new Set(['interrupted', 'terminated', 'hangup', 'duration']);

/**
 * Runs one recording: live capture in, pcap files out, under RecordControl's decisions. Packets
 * are written from the capture callback; a timer flushes every `flushIntervalMs` so the files on
 * disk always end with a complete record.
 */
export class Recorder {
  readonly finished: Promise<RecordingResult>;
  private resolveFinished!: (result: RecordingResult) => void;
  private readonly control: RecordControl;
  private readonly capture: LiveCapture;
  private file: RecordingFile;
  private readonly files: RecordedFile[] = [];
  private readonly tally = new SessionTally();
  private readonly view = newPacketView();
  private readonly decodeContext = new DecodeContext();
  private readonly startedAt = performance.now();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly closing: Promise<void>[] = [];
  private bytesInEarlierFiles = 0;
  private error: string | null = null;
  private done = false;
  /** Set while a timed stop takes the packets captured before it (see stop). */
  private drain: StopDrain | null = null;
  private drainEndPending = false;
  private unread = 0;
  private rate = { at: this.startedAt, packets: 0, perSecond: 0 };

  private constructor(private readonly options: RecorderOptions) {
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    this.control = new RecordControl(
      { count: options.count, rotateBytes: options.rotateBytes, ringFiles: options.ringFiles },
      PCAP_FILE_HEADER_BYTES,
    );
    // Open the capture first: a bad device or filter must not leave an empty file behind.
    this.capture = openLiveCapture(
      {
        device: options.device,
        filter: options.filter,
        snapLength: options.snapLength,
        bufferSize: options.bufferSize,
        // Batches of up to 100 ms instead of a wake-up per packet: ~15x less CPU per packet,
        // and well inside the flush interval.
        immediate: false,
        timeoutMs: BATCH_TIMEOUT_MS,
        onError: (error) => this.captureFailed(error),
      },
      (record) => this.onPacket(record),
    );
    try {
      this.file = this.openFile(1);
    } catch (err) {
      this.capture.close();
      throw err;
    }
    const flushEvery = options.flushIntervalMs ?? 500;
    this.timers.push(setInterval(() => this.flush(), flushEvery));
    if (options.durationMs !== undefined) this.stopAfter(options.durationMs);
  }

  /** Starts recording. Throws LiveCaptureError (device, filter, privilege) or RecordOutputError. */
  static start(options: RecorderOptions): Recorder {
    return new Recorder(options);
  }

  /**
   * Stops recording (the first reason wins); `finished` resolves once the files are closed. A
   * timed stop (signal, Ctrl-C, duration) still writes the packets captured before it, which
   * libpcap hands over a batch timeout later, or later still when the recorder is behind; the
   * other stops end at once.
   */
  stop(reason: StopReason): void {
    // Packet timestamps are whole microseconds or nanoseconds, the clock whole milliseconds: a
    // packet of the stop's own millisecond is kept.
    this.stopAt(reason, Date.now() + 1);
  }

  /** Stops recording as `stop` does; a timed stop writes the packets stamped before `stopAtMs` (ms since the epoch). */
  private stopAt(reason: StopReason, stopAtMs: number): void {
    if (this.done) return;
    if (!TIMED_STOPS.has(reason)) {
      this.control.stop(reason);
      this.finish();
      return;
    }
    this.control.stop(reason, stopAtMs);
    if (this.drain !== null) return;
    const limits: DrainLimits = {
      quietMs: DRAIN_QUIET_MS,
      limitMs: this.options.drainLimitMs ?? DRAIN_LIMIT_MS,
    };
    this.drain = new StopDrain(stopAtMs, performance.now(), limits);
    this.checkDrainLater(this.drain);
  }

  private checkDrainLater(drain: StopDrain): void {
    // A timer runs before the event loop looks at the capture: when the recorder was busy, the
    // backlog waits there. The check comes after that look (setImmediate), once per timer.
    const check = () =>
      setImmediate(() => {
        if (this.done) return;
        const end = drain.endAt(performance.now());
        if (end === null) this.checkDrainLater(drain);
        else this.endDrain(end);
      });
    this.timers.push(setTimeout(check, drain.nextCheckInMs(performance.now())));
  }

  /** A packet arrived while draining; a packet from after the stop ends the drain once its batch is written. */
  private drainArrived(drain: StopDrain, timestampMs: number): void {
    const now = performance.now();
    drain.arrived(timestampMs, now);
    if (this.drainEndPending || drain.endAt(now) !== DrainEnd.CaughtUp) return;
    this.drainEndPending = true;
    setImmediate(() => this.endDrain(DrainEnd.CaughtUp));
  }

  private endDrain(end: DrainEnd): void {
    if (this.done) return;
    if (end === DrainEnd.TimeLimit) {
      const { received, dropped, delivered } = this.capture.stats();
      // On lo the kernel counts each packet as sent and as received; libpcap delivers it once.
      const offered = this.options.device === 'lo' ? received / 2 : received;
      this.unread = Math.max(0, Math.round(offered - dropped - delivered));
    }
    this.finish();
  }

  /**
   * Waits `durationMs`, in steps where it is longer than a timer holds (timerDelayMs); the
   * recording ends at the deadline, also when the timer fires late.
   */
  private stopAfter(durationMs: number): void {
    const deadline = performance.now() + durationMs;
    const wait = () => {
      const left = deadline - performance.now();
      // Back from now by how late the timer is, rather than start + duration on the wall clock,
      // which may have been stepped meanwhile.
      if (left <= 0) this.stopAt('duration', Date.now() + 1 + left);
      else this.timers.push(setTimeout(wait, timerDelayMs(left)));
    };
    wait();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.capture.close();
    for (const timer of this.timers) clearInterval(timer);
    this.closing.push(this.closeFile(this.file, this.files.length - 1));
    void Promise.all(this.closing).then(() => this.resolveFinished(this.result()));
  }

  get linkType(): number {
    return this.capture.linkType;
  }

  stats(): RecordStats {
    const now = performance.now();
    if (now - this.rate.at >= 900) {
      const seconds = (now - this.rate.at) / 1000;
      const packets = this.control.packets;
      this.rate = { at: now, packets, perSecond: (packets - this.rate.packets) / seconds };
    }
    const captureStats = this.capture.stats();
    return {
      elapsedMs: now - this.startedAt,
      packets: this.control.packets,
      bytes: this.bytesInEarlierFiles + this.file.bytesWritten,
      packetsPerSecond: this.rate.perSecond,
      sessionsNew: this.tally.sessionsNew,
      sessionsActive: this.tally.sessionsActive,
      serverPorts: this.tally.busiestServerPorts(STATS_PORTS),
      dropped: captureStats.dropped,
      ifDropped: this.interfaceDrops(captureStats.ifDropped),
      file: this.file.path,
      fileBytes: this.file.bytesWritten,
      fileSequence: this.control.fileSequence,
      rotateBytes: this.options.rotateBytes ?? null,
      ringFiles: this.options.ringFiles ?? null,
      stopReason: this.control.stopReason,
    };
  }

  private result(): RecordingResult {
    const { received, dropped, ifDropped } = this.capture.stats();
    return {
      stopReason: this.control.stopReason ?? 'interrupted',
      error: this.error,
      files: this.files,
      packets: this.files.reduce((sum, f) => sum + f.packets, 0),
      bytes: this.files.reduce((sum, f) => sum + f.bytes, 0),
      elapsedMs: performance.now() - this.startedAt,
      linkType: this.capture.linkType,
      device: this.options.device,
      received,
      dropped,
      ifDropped: this.interfaceDrops(ifDropped),
      unread: this.unread,
    };
  }

  /** libpcap reads interface drops from the device's counters: 'any' has none (it says 0). */
  private interfaceDrops(reported: number): number | null {
    return this.options.device === 'any' ? null : reported;
  }

  private onPacket(record: CaptureRecord): void {
    // The packet's time matters only after a timed stop, which starts the drain.
    let timestampMs: number | undefined;
    if (this.drain !== null) {
      timestampMs = record.tsSec * 1000 + record.tsNsec / 1e6;
      this.drainArrived(this.drain, timestampMs);
    }
    const action = this.control.admit(PCAP_RECORD_HEADER_BYTES + record.capturedLength, timestampMs);
    if (action === PacketAction.Discard) return;
    try {
      if (action === PacketAction.RotateThenWrite) this.rotate();
      this.file.write(record);
    } catch (err) {
      this.noteFailure(this.file, err);
      return;
    }
    if (decodeRecord(record, this.view, this.decodeContext) === DecodeStatus.TCP)
      this.tally.observe(this.view);
    if (this.control.closed) this.finish();
  }

  private rotate(): void {
    const previous = this.file;
    this.bytesInEarlierFiles += previous.bytesWritten;
    this.closing.push(this.closeFile(previous, this.files.length - 1));
    this.file = this.openFile(this.control.fileSequence);
    const expired = this.control.expiredSequence;
    if (expired !== null) {
      const old = this.files[expired - 1];
      rmSync(old.path, { force: true });
      old.deleted = true;
    }
  }

  private openFile(sequence: number): RecordingFile {
    const { output } = this.options;
    const path =
      output !== '-' && this.options.rotateBytes !== undefined ? rotatedPath(output, sequence) : output;
    try {
      const file = openRecordingFile(path, {
        linkType: this.capture.linkType,
        snapLength: this.options.snapLength,
        nanosecond: this.options.nanosecond,
      });
      this.files.push({ path, packets: 0, bytes: 0, deleted: false });
      return file;
    } catch (err) {
      throw new RecordOutputError(`cannot write ${path === '-' ? 'to stdout' : path}: ${describe(err)}`);
    }
  }

  /** Closes a file and books what it holds; after a failed write, cuts it back to its last complete record. */
  private async closeFile(file: RecordingFile, index: number): Promise<void> {
    const entry = this.files[index];
    try {
      await file.close();
      entry.bytes = file.bytesWritten;
      entry.packets = file.packetsWritten;
    } catch (err) {
      this.noteFailure(file, err);
      const kept = file.salvage();
      entry.bytes = kept.bytes;
      entry.packets = kept.packets;
    }
  }

  private flush(): void {
    const file = this.file;
    file.flush().catch((err: unknown) => this.noteFailure(file, err));
  }

  private captureFailed(error: LiveCaptureError): void {
    this.error ??= error.message;
    this.stop('capture-failed');
  }

  /** A write failed: recording ends (whatever file it was, a rotated one included). */
  private noteFailure(file: RecordingFile, err: unknown): void {
    this.error ??= `cannot write ${file.path === '-' ? 'to stdout' : file.path}: ${describe(err)}`;
    this.stop('write-failed');
  }
}

/** The system's reason in plain words; the path is already in the message around it. */
function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException).code ?? /\b(E[A-Z]{3,})\b/.exec(text)?.[1];
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'EPIPE':
      return 'the reading end of the pipe was closed';
    default:
      return text;
  }
}
