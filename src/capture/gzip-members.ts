import type { Readable } from 'node:stream';
import { createInflateRaw, type InflateRaw } from 'node:zlib';
import { crc32 } from './crc32.ts';
import type { FileWindow } from './file-window.ts';
import { GZIP_MAGIC, GZIP_TRAILER_BYTES, parseGzipHeader } from './gzip-header.ts';
import { CaptureError } from './record.ts';

/** Compressed bytes read, and inflated bytes made, at a time. */
export const GZIP_CHUNK_BYTES = 1024 * 1024;
const HEADER_PROBE_BYTES = 512;

/** The member being inflated: its deflate data starts at `dataStart` in the file. */
interface Member {
  readonly start: number;
  readonly dataStart: number;
  readonly file: Readable;
  readonly inflate: InflateRaw;
  readonly chunks: AsyncIterator<Buffer>;
  crc: number;
  inflated: number;
}

/**
 * Inflates a gzip file member after member, as `gzip -d` does: each member's CRC and length are
 * checked; bytes after the last member that are not a member (and not zero padding) are ignored,
 * with `garbageAt` set; a file cut short sets `endedEarly`; other failures are CaptureErrors that
 * name the member. Each member gets its own inflater, which costs about half a millisecond: this
 * reader is for files that Node's gunzip refuses (see GzipByteSource).
 */
export class GzipMembers {
  endedEarly = false;
  garbageAt: number | null = null;
  /** Bytes inflated so far, all members together. */
  private inflatedBytes = 0;
  /** File offset of the next member (or of what follows the last one). */
  private position = 0;
  private member: Member | null = null;
  private ended = false;

  constructor(
    private readonly path: string,
    private readonly file: FileWindow,
  ) {}

  /** The next inflated chunk; null at the end of the gzip data. */
  async next(): Promise<Buffer | null> {
    while (!this.ended) {
      const member = this.member ?? (await this.startMember());
      if (member === null) break;
      const chunk = await this.inflateStep(member);
      if (chunk !== null) return chunk;
      if (!(await this.finishMember(member))) break;
    }
    this.ended = true;
    return null;
  }

  async close(): Promise<void> {
    this.ended = true;
    await this.dropMember();
  }

  /** Opens the member at `position`; null when the gzip data ends there. */
  private async startMember(): Promise<Member | null> {
    const start = this.position;
    let probe = await this.file.bytesAt(start, HEADER_PROBE_BYTES);
    if (probe.length === 0) return null;
    if (probe.length === 1 && probe[0] === GZIP_MAGIC[0]) {
      this.endedEarly = true;
      return null;
    }
    if (probe[0] !== GZIP_MAGIC[0] || probe[1] !== GZIP_MAGIC[1]) {
      if (!(await this.file.zerosFrom(start))) this.garbageAt = start;
      return null;
    }
    for (;;) {
      const header = parseGzipHeader(probe);
      if (header.kind === 'bad') throw this.corrupt(start, header.problem);
      if (header.kind === 'header') return this.openMember(start, start + header.length);
      if (start + probe.length >= this.file.size) {
        this.endedEarly = true;
        return null;
      }
      probe = await this.file.bytesAt(start, probe.length * 4);
    }
  }

  private openMember(start: number, dataStart: number): Member {
    const inflate = createInflateRaw({ chunkSize: GZIP_CHUNK_BYTES });
    const file = this.file.streamFrom(dataStart);
    file.on('error', (error) => inflate.destroy(error));
    file.pipe(inflate);
    const chunks = inflate[Symbol.asyncIterator]();
    this.member = { start, dataStart, file, inflate, chunks, crc: 0, inflated: 0 };
    return this.member;
  }

  /** The member's next inflated chunk; null at the end of its deflate data, or of the file. */
  private async inflateStep(member: Member): Promise<Buffer | null> {
    try {
      const step = await member.chunks.next();
      if (step.done) return null;
      member.crc = crc32(step.value, member.crc);
      member.inflated += step.value.length;
      this.inflatedBytes += step.value.length;
      return step.value;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
        this.endedEarly = true;
        this.ended = true;
        return null;
      }
      throw this.corrupt(member.start, error instanceof Error ? error.message : String(error));
    }
  }

  /** Checks the member's trailer and moves past it; false when the file ends before it. */
  private async finishMember(member: Member): Promise<boolean> {
    if (this.ended) return false;
    // The deflate data ended: bytesWritten is what the inflater consumed of the piped file bytes.
    const trailerAt = member.dataStart + member.inflate.bytesWritten;
    await this.dropMember();
    const trailer = (await this.file.bytesAt(trailerAt, GZIP_TRAILER_BYTES)).subarray(0, GZIP_TRAILER_BYTES);
    if (trailer.length < GZIP_TRAILER_BYTES) {
      this.endedEarly = true;
      return false;
    }
    if (trailer.readUInt32LE(0) !== member.crc >>> 0)
      throw this.corrupt(member.start, 'incorrect data check');
    if (trailer.readUInt32LE(4) !== member.inflated % 2 ** 32) {
      throw this.corrupt(member.start, 'incorrect length check');
    }
    this.position = trailerAt + GZIP_TRAILER_BYTES;
    return true;
  }

  private async dropMember(): Promise<void> {
    const { member } = this;
    if (member === null) return;
    this.member = null;
    member.file.unpipe(member.inflate);
    member.file.destroy();
    member.inflate.destroy();
    await member.chunks.return?.();
  }

  private corrupt(memberStart: number, problem: string): CaptureError {
    const where = memberStart === 0 ? '' : ` (the member at byte ${memberStart} of the compressed file)`;
    return new CaptureError(this.path, this.inflatedBytes, `gzip data is corrupt: ${problem}${where}`);
  }
}
