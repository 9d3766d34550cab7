import type { CaptureRecord } from './record.ts';

/**
 * Walks the records present in the current chunk, synchronously. `next()` returns the same
 * CaptureRecord object each time, filled with the next record, or null when the chunk holds no
 * further complete record. The record (and its bytes) is valid only until the next call.
 */
export interface RecordCursor {
  next(): CaptureRecord | null;
}

/** A format's record parser: a cursor over a window of the file, which the reader refills. */
export interface RecordParser extends RecordCursor {
  /** Points the parser at buf[start, end), whose first byte is at file offset `baseOffset`. */
  setWindow(buf: Buffer, start: number, end: number, baseOffset: number): void;
  /** Where the parser stopped in the window. */
  readonly position: number;
  /**
   * After next() returned null: bytes needed from `position` to go on. 0 when the consumer left
   * the window before next() returned null: the reader then hands out the same window again.
   */
  readonly needed: number;
  /** Says what was cut off when the file ends with `available` (< needed) bytes left. */
  describeTruncation(available: number): string;
}

export const EMPTY_BUFFER = Buffer.alloc(0);

/** The window bookkeeping every format's parser shares: it reads records from buf[pos, end). */
export abstract class WindowedRecordParser implements RecordParser {
  needed = 0;
  protected buf: Buffer = EMPTY_BUFFER;
  protected pos = 0;
  protected end = 0;
  /** File offset of buf[0]. */
  protected base = 0;
  protected index = 0;
  protected readonly record: CaptureRecord = newRecord();

  get position(): number {
    return this.pos;
  }

  setWindow(buf: Buffer, start: number, end: number, baseOffset: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.base = baseOffset;
    this.needed = 0;
  }

  abstract next(): CaptureRecord | null;
  abstract describeTruncation(available: number): string;
}

/** One record object per reader, every field set in the same order (one hidden class). */
export function newRecord(): CaptureRecord {
  return {
    index: 0,
    fileOffset: 0,
    linkType: 0,
    interfaceId: 0,
    tsSec: 0,
    tsNsec: 0,
    untimed: false,
    capturedLength: 0,
    originalLength: 0,
    buf: EMPTY_BUFFER,
    offset: 0,
  };
}
