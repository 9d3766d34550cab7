import { FRAME_HEADER_SIZE, RECORD_SIZE } from './wire.ts';

/**
 * Frames waiting for a slow replayer's socket to drain, bounded in bytes. When full, the oldest
 * frames go first (the newest responses are the ones a replayer still waits for) and their
 * records are counted as dropped.
 */
export class FrameQueue {
  private frames: Buffer[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Queues a frame; returns how many records had to be dropped to make room. */
  push(frame: Buffer): number {
    this.frames.push(frame);
    this.bytes += frame.length;
    let droppedRecords = 0;
    while (this.bytes > this.maxBytes && this.length > 0) {
      const oldest = this.shift()!;
      droppedRecords += (oldest.length - FRAME_HEADER_SIZE) / RECORD_SIZE;
    }
    return droppedRecords;
  }

  shift(): Buffer | undefined {
    if (this.head === this.frames.length) return undefined;
    const frame = this.frames[this.head];
    this.frames[this.head] = EMPTY;
    this.head++;
    this.bytes -= frame.length;
    if (this.head === this.frames.length) {
      this.frames = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
    return frame;
  }

  /** The oldest frames, together at most `maxBytes` long (but at least one frame when any is queued). */
  shiftUpTo(maxBytes: number): Buffer[] {
    const frames: Buffer[] = [];
    let bytes = 0;
    while (this.length > 0 && (frames.length === 0 || bytes + this.frames[this.head].length <= maxBytes)) {
      const frame = this.shift()!;
      frames.push(frame);
      bytes += frame.length;
    }
    return frames;
  }

  get length(): number {
    return this.frames.length - this.head;
  }

  get byteLength(): number {
    return this.bytes;
  }
}

const EMPTY = Buffer.alloc(0);
