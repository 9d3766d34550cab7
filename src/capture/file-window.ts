import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

/**
 * Positioned reads of a file in large chunks that keeps the last few chunks read, since the gzip
 * member reader goes back to where a member's deflate data ended (inside a chunk it already read)
 * for the trailer and the next member: a file of many small members is then read once, not once
 * per member.
 */
export class FileWindow {
  /** The end of the furthest chunk read: progress through the file. */
  furthest = 0;
  private readonly recent: { at: number; bytes: Buffer }[] = [];

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    private readonly chunkBytes: number,
    private readonly chunksKept = 3,
  ) {}

  /** The bytes from `position` on: at least `atLeast` of them, fewer only at the end of the file. */
  async bytesAt(position: number, atLeast: number): Promise<Buffer> {
    const want = Math.max(1, Math.min(atLeast, this.size - position));
    for (const chunk of this.recent) {
      const from = position - chunk.at;
      if (from >= 0 && chunk.bytes.length - from >= want) return chunk.bytes.subarray(from);
    }
    if (position >= this.size) return Buffer.alloc(0);
    const bytes = Buffer.allocUnsafe(Math.min(Math.max(atLeast, this.chunkBytes), this.size - position));
    const { bytesRead } = await this.handle.read(bytes, 0, bytes.length, position);
    const chunk = { at: position, bytes: bytes.subarray(0, bytesRead) };
    this.recent.push(chunk);
    if (this.recent.length > this.chunksKept) this.recent.shift();
    this.furthest = Math.max(this.furthest, position + bytesRead);
    return chunk.bytes;
  }

  /** True when every byte from `position` to the end of the file is zero (padding gzip -d skips). */
  async zerosFrom(position: number): Promise<boolean> {
    for (let at = position; at < this.size; ) {
      const bytes = await this.bytesAt(at, 1);
      if (bytes.length === 0) break;
      if (bytes.some((byte) => byte !== 0)) return false;
      at += bytes.length;
    }
    return true;
  }

  /** The file from `position` to its end as a stream; destroying it leaves the file open. */
  streamFrom(position: number): Readable {
    const window = this;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let at = position; at < window.size; ) {
        const bytes = await window.bytesAt(at, 1);
        if (bytes.length === 0) return;
        at += bytes.length;
        yield bytes;
      }
    }
    return Readable.from(chunks(), { objectMode: false, highWaterMark: this.chunkBytes });
  }
}
