import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { ByteSource } from './byte-source.ts';
import { FileWindow } from './file-window.ts';
import { GZIP_CHUNK_BYTES, GzipMembers } from './gzip-members.ts';
import { CaptureError } from './record.ts';

/**
 * Inflates a gzip file as a stream (never the whole file in memory). Node's gunzip does the work:
 * concatenated members and zero padding at C speed. What it refuses, trailing garbage (which
 * `gzip -d` ignores with a warning) or corrupt data, goes to GzipMembers, which reads the file
 * again member by member, past the bytes already handed out, and either finds where the garbage
 * starts or names the corrupt member. A stream cut short (the capture was still being written)
 * ends the data like a short file does; the record readers then report the truncated record.
 */
export class GzipByteSource implements ByteSource {
  private readonly file: FileWindow;
  private readonly compressed: Readable;
  private readonly gunzip: Gunzip;
  private readonly gunzipped: AsyncIterator<Buffer>;
  private members: GzipMembers | null = null;
  private cutShort = false;
  private garbageAfterZeros: number | null = null;
  /** Inflated bytes that came out of gunzip. */
  private received = 0;
  private pending: Buffer | null = null;
  private pendingOffset = 0;

  constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    size: number,
  ) {
    this.file = new FileWindow(handle, size, GZIP_CHUNK_BYTES);
    this.gunzip = createGunzip({ chunkSize: GZIP_CHUNK_BYTES });
    this.compressed = this.file.streamFrom(0);
    this.compressed.on('error', (error) => this.gunzip.destroy(error));
    this.gunzipped = this.compressed.pipe(this.gunzip)[Symbol.asyncIterator]();
  }

  get fileBytesRead(): number {
    return this.file.furthest;
  }

  get endedEarly(): boolean {
    return this.cutShort || this.members?.endedEarly === true;
  }

  get garbageAt(): number | null {
    return this.members?.garbageAt ?? this.garbageAfterZeros;
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
    if (this.pendingOffset === this.pending.length) this.pending = null;
    return count;
  }

  async close(): Promise<void> {
    await this.stopGunzip();
    await this.members?.close();
    await this.handle.close();
  }

  private async nextChunk(): Promise<Buffer | null> {
    if (this.members !== null) return this.members.next();
    try {
      const step = await this.gunzipped.next();
      if (step.done) {
        await this.checkAfterZeros();
        return null;
      }
      this.received += step.value.length;
      return step.value;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'Z_BUF_ERROR') {
        this.cutShort = true;
        return null;
      }
      if (code.startsWith('Z_')) return this.readMembersAgain();
      const message = error instanceof Error ? error.message : String(error);
      throw new CaptureError(this.path, this.received, `cannot read: ${message}`);
    }
  }

  /** Gunzip stops at a zero byte after a member, and ignores whatever follows it: gzip -d does not. */
  private async checkAfterZeros(): Promise<void> {
    const end = this.gunzip.bytesWritten;
    if (!(await this.file.zerosFrom(end))) this.garbageAfterZeros = end;
  }

  /** Reads the file again member by member and goes on after the bytes gunzip already gave. */
  private async readMembersAgain(): Promise<Buffer | null> {
    await this.stopGunzip();
    this.members = new GzipMembers(this.path, this.file);
    for (let skip = this.received; ; ) {
      const chunk = await this.members.next();
      if (chunk === null || chunk.length > skip) return chunk?.subarray(skip) ?? null;
      skip -= chunk.length;
    }
  }

  private async stopGunzip(): Promise<void> {
    this.compressed.unpipe(this.gunzip);
    this.compressed.destroy();
    await this.gunzipped.return?.();
  }
}
