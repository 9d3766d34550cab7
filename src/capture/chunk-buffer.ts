import type { ByteSource } from './byte-source.ts';
import { MAX_RECORD_BYTES } from './limits.ts';

/**
 * A window over the file: `buf[start, end)` holds unconsumed bytes whose first byte is at file
 * offset `fileOffset(start)`. Readers consume by advancing `start`, then ask `ensure(n)` for the
 * next n bytes: the unconsumed tail (a record cut by the chunk boundary) moves to the front and
 * the rest of the buffer is refilled. The buffer grows only when a single record is larger than
 * it, and only as fast as data actually arrives, so a bogus length at the end of a small file
 * never allocates more than about twice the file.
 */
export class ChunkBuffer {
  buf: Buffer;
  start = 0;
  end = 0;
  /** File offset of buf[0]. */
  private base = 0;
  private atEnd = false;

  constructor(
    private readonly source: ByteSource,
    chunkBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  get available(): number {
    return this.end - this.start;
  }

  fileOffset(position: number): number {
    return this.base + position;
  }

  /**
   * Makes at least `need` unconsumed bytes available (and fills the rest of the buffer while at
   * it). Resolves to false when the data ends first; `available` then tells how many there are.
   */
  async ensure(need: number): Promise<boolean> {
    if (need > MAX_RECORD_BYTES) throw new RangeError(`cannot buffer ${need} bytes`);
    if (this.available >= need) return true;
    this.compact();
    while (this.available < need && !this.atEnd) {
      if (this.end === this.buf.length) this.grow(need);
      const count = await this.source.read(this.buf, this.end, this.buf.length - this.end);
      if (count === 0) this.atEnd = true;
      this.end += count;
    }
    return this.available >= need;
  }

  private compact(): void {
    if (this.start === 0) return;
    this.buf.copyWithin(0, this.start, this.end);
    this.base += this.start;
    this.end -= this.start;
    this.start = 0;
  }

  private grow(need: number): void {
    const bigger = Buffer.allocUnsafe(Math.min(need, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.end);
    this.buf = bigger;
  }
}
