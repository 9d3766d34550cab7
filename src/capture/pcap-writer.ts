/**
 * Writes classic pcap, little-endian, with microsecond or nanosecond timestamps, in large
 * buffered chunks. Policy free: the caller decides when to flush and when to rotate files
 * (`bytesWritten` is the file's size including what is still buffered).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { PCAP_MAX_SNAPLEN } from './limits.ts';
import { PCAP_FILE_HEADER_BYTES, PCAP_RECORD_HEADER_BYTES } from './pcap-format.ts';
import { CaptureError } from './record.ts';

export interface PcapWriterOptions {
  linkType: number;
  /** Packets longer than this are cut to it (their original length is kept). Default 262144. */
  snapLength?: number;
  /** Nanosecond timestamps (magic a1b23c4d) instead of microseconds. */
  nanosecond?: boolean;
  /** Bytes buffered before they are handed to the file or stream. Default 1 MiB. */
  bufferBytes?: number;
}

/** The part of a Node Writable the writer needs. */
export interface ByteSink {
  write(chunk: Buffer, callback: (error?: Error | null) => void): boolean;
  end(callback: () => void): unknown;
}

export interface PcapWriter {
  /** File size so far, buffered bytes included. */
  readonly bytesWritten: number;
  readonly packetsWritten: number;
  write(tsSec: number, tsNsec: number, data: Uint8Array, originalLength?: number): void;
  /** Hands everything buffered to the file (or stream) and waits until it is written. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createPcapWriter(target: string | ByteSink, options: PcapWriterOptions): PcapWriter {
  const name = typeof target === 'string' ? target : 'pcap output stream';
  const output = typeof target === 'string' ? openFileOutput(target) : streamOutput(target, name);
  return new BufferedPcapWriter(output, options);
}

interface Output {
  /** Writes `bytes` now or copies them: the writer reuses its buffer afterwards. */
  write(bytes: Buffer): void;
  /** Resolves when everything written so far has reached the file or stream. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Synchronous writes of large chunks: memory stays at one buffer however fast packets come. */
function openFileOutput(path: string): Output {
  const fail = (action: string, error: unknown): CaptureError =>
    new CaptureError(path, -1, `${action}: ${error instanceof Error ? error.message : String(error)}`);
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw fail('cannot create', error);
  }
  return {
    write(bytes) {
      try {
        let done = 0;
        while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      } catch (error) {
        throw fail('write failed', error);
      }
    },
    settled: () => Promise.resolve(),
    async close() {
      closeSync(fd);
    },
  };
}

function streamOutput(sink: ByteSink, name: string): Output {
  let last: Promise<void> = Promise.resolve();
  return {
    write(bytes) {
      const copy = Buffer.from(bytes);
      const written = new Promise<void>((resolve, reject) => {
        sink.write(copy, (error) =>
          error ? reject(new CaptureError(name, -1, `write failed: ${error.message}`)) : resolve(),
        );
      });
      last = last.then(() => written);
    },
    settled: () => last,
    close: () => new Promise((resolve) => sink.end(() => resolve())),
  };
}

class BufferedPcapWriter implements PcapWriter {
  bytesWritten = 0;
  packetsWritten = 0;
  private buf: Buffer;
  private used = 0;
  private readonly snapLength: number;
  private readonly nanosecond: boolean;
  private closed = false;

  constructor(
    private readonly output: Output,
    options: PcapWriterOptions,
  ) {
    this.snapLength = options.snapLength ?? PCAP_MAX_SNAPLEN;
    if (!(this.snapLength > 0)) throw new RangeError(`snapLength ${this.snapLength} must be positive`);
    this.nanosecond = options.nanosecond ?? false;
    this.buf = Buffer.allocUnsafe(Math.max(options.bufferBytes ?? 1024 * 1024, PCAP_FILE_HEADER_BYTES));
    const header = this.buf;
    header.writeUInt32LE(this.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeInt32LE(0, 8);
    header.writeUInt32LE(0, 12);
    header.writeUInt32LE(this.snapLength, 16);
    header.writeUInt32LE(options.linkType, 20);
    this.used = PCAP_FILE_HEADER_BYTES;
    this.bytesWritten = PCAP_FILE_HEADER_BYTES;
  }

  write(tsSec: number, tsNsec: number, data: Uint8Array, originalLength = data.length): void {
    if (this.closed) throw new Error('pcap writer is closed');
    if (!(tsNsec >= 0 && tsNsec < 1e9)) throw new RangeError(`tsNsec ${tsNsec} is outside 0..999999999`);
    const capturedLength = Math.min(data.length, this.snapLength);
    if (originalLength < data.length) {
      throw new RangeError(`originalLength ${originalLength} is below the data length ${data.length}`);
    }
    const total = PCAP_RECORD_HEADER_BYTES + capturedLength;
    if (this.used + total > this.buf.length) this.spill();
    if (this.used === 0 && this.buf.length < total) this.buf = Buffer.allocUnsafe(total);
    const buf = this.buf;
    const p = this.used;
    buf.writeUInt32LE(tsSec, p);
    buf.writeUInt32LE(this.nanosecond ? tsNsec : Math.floor(tsNsec / 1000), p + 4);
    buf.writeUInt32LE(capturedLength, p + 8);
    buf.writeUInt32LE(originalLength, p + 12);
    buf.set(
      capturedLength === data.length ? data : data.subarray(0, capturedLength),
      p + PCAP_RECORD_HEADER_BYTES,
    );
    this.used = p + total;
    this.bytesWritten += total;
    this.packetsWritten++;
  }

  flush(): Promise<void> {
    this.spill();
    return this.output.settled();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.output.close();
  }

  /** Hands the buffered bytes to the output; the buffer is then empty and reused. */
  private spill(): void {
    if (this.used === 0) return;
    this.output.write(this.buf.subarray(0, this.used));
    this.used = 0;
  }
}
