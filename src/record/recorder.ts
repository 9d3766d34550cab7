import { rmSync } from 'node:fs';
import { type LiveCapture, openLiveCapture } from '../capture/live.ts';
import { PCAP_FILE_HEADER_BYTES, PCAP_RECORD_HEADER_BYTES } from '../capture/pcap-format.ts';
import type { CaptureRecord } from '../capture/record.ts';
import { DecodeContext } from '../packet/context.ts';
import { decodeRecord } from '../packet/decode.ts';
import { DecodeStatus } from '../packet/status.ts';
import { newPacketView } from '../packet/view.ts';
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
  /** What went wrong, for 'write-failed'. */
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
    if (options.durationMs !== undefined) {
      this.timers.push(setTimeout(() => this.stop('duration'), options.durationMs));
    }
  }

  /** Starts recording. Throws LiveCaptureError (device, filter, privilege) or RecordOutputError. */
  static start(options: RecorderOptions): Recorder {
    return new Recorder(options);
  }

  /** Stops recording (the first reason wins); `finished` resolves once the files are closed. */
  stop(reason: StopReason): void {
    if (this.done) return;
    this.done = true;
    this.control.stop(reason);
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
      ifDropped: captureStats.ifDropped,
      file: this.file.path,
      fileBytes: this.file.bytesWritten,
      fileSequence: this.control.fileSequence,
      rotateBytes: this.options.rotateBytes ?? null,
      ringFiles: this.options.ringFiles ?? null,
      stopReason: this.control.stopReason,
    };
  }

  private result(): RecordingResult {
    return {
      stopReason: this.control.stopReason ?? 'interrupted',
      error: this.error,
      files: this.files,
      packets: this.files.reduce((sum, f) => sum + f.packets, 0),
      bytes: this.files.reduce((sum, f) => sum + f.bytes, 0),
      elapsedMs: performance.now() - this.startedAt,
      linkType: this.capture.linkType,
      ...this.capture.stats(),
    };
  }

  private onPacket(record: CaptureRecord): void {
    const action = this.control.admit(PCAP_RECORD_HEADER_BYTES + record.capturedLength);
    if (action === PacketAction.Discard) return;
    try {
      if (action === PacketAction.RotateThenWrite) this.rotate();
      this.file.write(record);
    } catch (err) {
      this.fail(this.file, err);
      return;
    }
    if (decodeRecord(record, this.view, this.decodeContext) === DecodeStatus.TCP)
      this.tally.observe(this.view);
    if (this.control.stopped) this.stop(this.control.stopReason ?? 'count');
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
    file.flush().catch((err: unknown) => this.fail(file, err));
  }

  private fail(file: RecordingFile, err: unknown): void {
    this.noteFailure(file, err);
    this.stop('write-failed');
  }

  private noteFailure(file: RecordingFile, err: unknown): void {
    this.error ??= `cannot write ${file.path === '-' ? 'to stdout' : file.path}: ${describe(err)}`;
    this.control.stop('write-failed');
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
    default:
      return text;
  }
}
