import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { CaptureError } from './record.ts';

/** A sequential source of (decompressed) file bytes. */
export interface ByteSource {
  /** Copies up to `length` bytes into `buf` at `offset`; resolves to 0 at the end of the data. */
  read(buf: Buffer, offset: number, length: number): Promise<number>;
  /** Bytes consumed from the file on disk (compressed bytes for gzip), for progress. */
  readonly fileBytesRead: number;
  /** True when the data ended before its format said it would (a cut gzip stream). */
  readonly endedEarly: boolean;
  /** File offset of trailing bytes that are not part of the data and were ignored (after gzip members). */
  readonly garbageAt: number | null;
  close(): Promise<void>;
}

/** Reads a plain file with positioned reads into the caller's buffer: no copies, no streams. */
export class FileByteSource implements ByteSource {
  fileBytesRead = 0;
  readonly endedEarly = false;
  readonly garbageAt = null;

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
