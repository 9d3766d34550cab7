import { closeSync, openSync, readSync, statSync, truncateSync } from 'node:fs';
import {
  type ByteSink,
  createPcapWriter,
  PCAP_FILE_HEADER_BYTES,
  PCAP_RECORD_HEADER_BYTES,
  type PcapWriter,
} from '../capture/index.ts';
import type { CaptureRecord } from '../capture/record.ts';

const BUFFER_BYTES = 1024 * 1024;

export interface RecordingFileOptions {
  linkType: number;
  snapLength: number;
  nanosecond: boolean;
}

/**
 * One pcap file of a recording, over the capture writer. The recorder decides when bytes go to
 * disk: this wrapper flushes before the writer's buffer would overflow, so every disk write
 * happens in a flush whose failure the recorder sees (none is left unobserved), and every
 * successful flush marks a record boundary that is known to be on disk.
 */
export interface RecordingFile {
  readonly path: string;
  readonly bytesWritten: number;
  readonly packetsWritten: number;
  write(record: CaptureRecord): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** After a failed write: cuts the file back to its last complete record; returns what it keeps. */
  salvage(): { bytes: number; packets: number };
}

export function openRecordingFile(path: string, options: RecordingFileOptions): RecordingFile {
  const target: string | ByteSink = path === '-' ? stdoutSink() : path;
  const writer = createPcapWriter(target, { ...options, bufferBytes: BUFFER_BYTES });
  return new BufferedRecordingFile(path, writer, options.snapLength);
}

class BufferedRecordingFile implements RecordingFile {
  /** Bytes handed to the writer's output by the last flush call. */
  private flushedMark = 0;
  /** Bytes known to be on disk (a record boundary), and the packets in them. */
  private durable = { bytes: 0, packets: 0 };
  private failure: unknown = null;

  constructor(
    readonly path: string,
    private readonly writer: PcapWriter,
    private readonly snapLength: number,
  ) {}

  get bytesWritten(): number {
    return this.writer.bytesWritten;
  }

  get packetsWritten(): number {
    return this.writer.packetsWritten;
  }

  write(record: CaptureRecord): void {
    if (this.failure !== null) throw this.failure;
    const recordBytes = PCAP_RECORD_HEADER_BYTES + Math.min(record.capturedLength, this.snapLength);
    if (this.writer.bytesWritten - this.flushedMark + recordBytes > BUFFER_BYTES) {
      this.flush().catch(() => {}); // seen by the next write or flush through `failure`
    }
    const data = record.buf.subarray(record.offset, record.offset + record.capturedLength);
    this.writer.write(record.tsSec, record.tsNsec, data, record.originalLength);
  }

  flush(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const mark = { bytes: this.writer.bytesWritten, packets: this.writer.packetsWritten };
    this.flushedMark = mark.bytes;
    let written: Promise<void>;
    try {
      written = this.writer.flush(); // a file output throws here; a stream output rejects later
    } catch (err) {
      this.failure = err;
      return Promise.reject(err);
    }
    return written.then(
      () => {
        if (mark.bytes > this.durable.bytes) this.durable = mark;
      },
      (err: unknown) => {
        // Never touch the writer again: a retried chunk would land after a partial one.
        this.failure ??= err;
        throw err;
      },
    );
  }

  async close(): Promise<void> {
    await this.flush();
    await this.writer.close();
  }

  salvage(): { bytes: number; packets: number } {
    if (this.path === '-') return this.durable;
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return { bytes: 0, packets: 0 };
    }
    const kept = completeRecords(this.path, this.durable, size);
    if (kept.bytes < size) truncateSync(this.path, kept.bytes);
    return kept;
  }
}

/** Walks record headers from a known boundary to the end of the file, up to the last complete record. */
function completeRecords(path: string, known: { bytes: number; packets: number }, size: number) {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(PCAP_RECORD_HEADER_BYTES);
    let bytes = Math.max(known.bytes, PCAP_FILE_HEADER_BYTES);
    let packets = known.packets;
    if (size <= bytes) return { bytes: size, packets };
    for (;;) {
      if (readSync(fd, header, 0, header.length, bytes) < header.length) break;
      const next = bytes + PCAP_RECORD_HEADER_BYTES + header.readUInt32LE(8);
      if (next > size) break;
      bytes = next;
      packets += 1;
    }
    return { bytes, packets };
  } finally {
    closeSync(fd);
  }
}

function stdoutSink(): ByteSink {
  return {
    write: (chunk, callback) => process.stdout.write(chunk, callback),
    end: (callback) => callback(),
  };
}
