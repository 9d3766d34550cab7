import { constants, createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { CaptureError } from './record.ts';

/** A sequential source of (decompressed) file bytes. */
export interface ByteSource {
  /** Copies up to `length` bytes into `buf` at `offset`; resolves to 0 at the end of the data. */
  read(buf: Buffer, offset: number, length: number): Promise<number>;
  /** Bytes consumed from the file on disk (compressed bytes for gzip), for progress. */
  readonly fileBytesRead: number;
  /** True when the data ended before its format said it would (a cut gzip stream). */
  readonly endedEarly: boolean;
  close(): Promise<void>;
}

/** Reads a plain file with positioned reads into the caller's buffer: no copies, no streams. */
export class FileByteSource implements ByteSource {
  fileBytesRead = 0;
  readonly endedEarly = false;

  constructor(private readonly handle: FileHandle) {}

  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    const { bytesRead } = await this.handle.read(buf, offset, length, this.fileBytesRead);
    this.fileBytesRead += bytesRead;
    return bytesRead;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * Inflates a gzip file as a stream (never the whole file in memory). A gzip stream cut short
 * (the capture was still being written) ends the data like a short file does; the record
 * readers then report the truncated record. Other zlib failures are CaptureErrors.
 */
export class GzipByteSource implements ByteSource {
  private readonly chunks: AsyncIterator<Buffer>;
  private pending: Buffer | null = null;
  private pendingOffset = 0;
  private inflatedBytes = 0;
  private readonly file: ReturnType<typeof createReadStream>;
  endedEarly = false;

  constructor(
    private readonly path: string,
    handle: FileHandle,
  ) {
    this.file = createReadStream(path, { fd: handle, start: 0, highWaterMark: 1024 * 1024 });
    const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
    this.file.on('error', (error) => gunzip.destroy(error));
    this.chunks = this.file.pipe(gunzip)[Symbol.asyncIterator]();
  }

  get fileBytesRead(): number {
    return this.file.bytesRead;
  }

  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    while (this.pending === null) {
      const chunk = await this.nextChunk();
      if (chunk === null) return 0;
      if (chunk.length > 0) {
        this.pending = chunk;
        this.pendingOffset = 0;
      }
    }
    const count = this.pending.copy(buf, offset, this.pendingOffset, this.pendingOffset + length);
    this.pendingOffset += count;
    this.inflatedBytes += count;
    if (this.pendingOffset === this.pending.length) this.pending = null;
    return count;
  }

  private async nextChunk(): Promise<Buffer | null> {
    try {
      const step = await this.chunks.next();
      return step.done ? null : step.value;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'Z_BUF_ERROR') {
        this.endedEarly = true;
        return null;
      }
      const message = error instanceof Error ? error.message : String(error);
      throw new CaptureError(this.path, this.inflatedBytes, `gzip data is corrupt: ${message}`);
    }
  }

  async close(): Promise<void> {
    await this.chunks.return?.();
    this.file.destroy();
  }
}

/** Opens `path` for reading, with a clear CaptureError for a missing file, a directory, and so on. */
export async function openFileHandle(path: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    // Non-blocking, so that a FIFO is refused below rather than waiting for a writer forever.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new CaptureError(path, -1, describeOpenError(error));
  }
  const stat = await handle.stat();
  if (stat.isDirectory()) {
    await handle.close();
    throw new CaptureError(path, -1, 'is a directory, not a capture file');
  }
  if (!stat.isFile()) {
    await handle.close();
    throw new CaptureError(path, -1, 'is not a regular file');
  }
  return { handle, size: stat.size };
}

function describeOpenError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a capture file';
  return `cannot open: ${error instanceof Error ? error.message : String(error)}`;
}
