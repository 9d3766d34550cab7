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
  /** Packets libpcap delivered (some may arrive after the stop and not be written). */
  received: number;
  dropped: number;
  ifDropped: number | null;
}

/** The output could not be created; nothing was recorded. */
export class RecordOutputError extends Error {
  override name = 'RecordOutputError';
}

const STATS_PORTS = 5;
/** The longest libpcap holds captured packets back (its batch timeout). */
const BATCH_TIMEOUT_MS = 100;
/**
 * After a stop by signal, Ctrl-C or duration, how long the capture stays open to take the packets
 * captured before the stop that libpcap still holds: two batch timeouts, for scheduling slack.
 */
const DRAIN_MS = 2 * BATCH_TIMEOUT_MS;
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
  /** A timed stop is taking the packets captured before it (see stop). */
  private draining = false;
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
   * libpcap hands over up to a batch timeout later; the other stops end at once.
   */
  stop(reason: StopReason): void {
    if (this.done) return;
    if (!TIMED_STOPS.has(reason)) {
      this.control.stop(reason);
      this.finish();
      return;
    }
    this.control.stop(reason, Date.now() + 1);
    if (this.draining) return;
    this.draining = true;
    this.timers.push(setTimeout(() => this.finish(), DRAIN_MS));
  }

  /** Waits `durationMs`, in steps where it is longer than a timer holds (timerDelayMs). */
  private stopAfter(durationMs: number): void {
    const deadline = performance.now() + durationMs;
    const wait = () => {
      const left = deadline - performance.now();
      if (left <= 0) this.stop('duration');
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
    const captureStats = this.capture.stats();
    return {
      stopReason: this.control.stopReason ?? 'interrupted',
      error: this.error,
      files: this.files,
      packets: this.files.reduce((sum, f) => sum + f.packets, 0),
      bytes: this.files.reduce((sum, f) => sum + f.bytes, 0),
      elapsedMs: performance.now() - this.startedAt,
      linkType: this.capture.linkType,
      ...captureStats,
      ifDropped: this.interfaceDrops(captureStats.ifDropped),
    };
  }

  /** libpcap reads interface drops from the device's counters: 'any' has none (it says 0). */
  private interfaceDrops(reported: number): number | null {
    return this.options.device === 'any' ? null : reported;
  }

  private onPacket(record: CaptureRecord): void {
    const timestampMs = record.tsSec * 1000 + record.tsNsec / 1e6;
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
    this.control.stop('capture-failed');
    this.finish();
  }

  /** A write failed: recording ends (whatever file it was, a rotated one included). */
  private noteFailure(file: RecordingFile, err: unknown): void {
    this.error ??= `cannot write ${file.path === '-' ? 'to stdout' : file.path}: ${describe(err)}`;
    this.control.stop('write-failed');
    this.finish();
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
