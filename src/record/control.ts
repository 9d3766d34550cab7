/**
 * The recorder's decisions, without I/O: which file a packet goes to, when a new file starts,
 * which file falls out of the ring, and when recording stops and why. The shell (recorder.ts)
 * asks before every packet and carries out the answer.
 */

export type StopReason =
  /** The packet count (-c) was reached. */
  | 'count'
  /** The duration (-G / --duration) ran out. */
  | 'duration'
  /** Ctrl-C or `q`. */
  | 'interrupted'
  /** SIGTERM. */
  | 'terminated'
  /** SIGHUP: the terminal or session went away. */
  | 'hangup'
  /** Writing the output failed (not writable, disk full). */
  | 'write-failed'
  /** The capture failed while recording (the device went away). */
  | 'capture-failed';

export interface RecordLimits {
  /** Stop after this many packets. */
  count?: number;
  /** Start a new file before a packet would push the current one past this many bytes. */
  rotateBytes?: number;
  /** With rotation: keep only the newest this-many files; older ones are deleted. */
  ringFiles?: number;
}

export const PacketAction = {
  /** Append to the current file. */
  Write: 0,
  /** Close the current file, open file number `fileSequence` (and delete `expiredSequence`), then append. */
  RotateThenWrite: 1,
  /** Recording has stopped: drop the packet. */
  Discard: 2,
} as const;
export type PacketAction = (typeof PacketAction)[keyof typeof PacketAction];

export class RecordControl {
  /** 1-based number of the file being written. */
  fileSequence = 1;
  /** Bytes in the current file, its header included. */
  fileBytes: number;
  /** Packets admitted into the current file. */
  filePackets = 0;
  /** Packets admitted in total. */
  packets = 0;
  /** Why recording stopped; null while it runs. The first reason given wins. */
  stopReason: StopReason | null = null;
  /** Packets stamped at or after this (ms since the epoch) are discarded. */
  private admitBeforeMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly limits: RecordLimits,
    private readonly fileHeaderBytes: number,
  ) {
    if (limits.count !== undefined && limits.count < 1) throw new RangeError('count must be at least 1');
    if (limits.rotateBytes !== undefined && limits.rotateBytes < 1)
      throw new RangeError('rotateBytes must be at least 1');
    if (limits.ringFiles !== undefined && limits.ringFiles < 1)
      throw new RangeError('ringFiles must be at least 1');
    this.fileBytes = fileHeaderBytes;
  }

  /** Stopped, and no packet can be admitted any more, whatever its timestamp. */
  get closed(): boolean {
    return this.admitBeforeMs === Number.NEGATIVE_INFINITY;
  }

  /**
   * Decides where a packet whose record (header included) takes `recordBytes` goes. `timestampMs`
   * (capture time, ms since the epoch) matters only after a stop that still admits earlier packets.
   */
  admit(recordBytes: number, timestampMs = Number.POSITIVE_INFINITY): PacketAction {
    if (this.stopReason !== null && !(timestampMs < this.admitBeforeMs)) return PacketAction.Discard;
    let action: PacketAction = PacketAction.Write;
    const rotateBytes = this.limits.rotateBytes;
    // A file always takes at least one packet, so that one oversized packet cannot spin rotation.
    if (rotateBytes !== undefined && this.filePackets > 0 && this.fileBytes + recordBytes > rotateBytes) {
      this.fileSequence += 1;
      this.fileBytes = this.fileHeaderBytes;
      this.filePackets = 0;
      action = PacketAction.RotateThenWrite;
    }
    this.fileBytes += recordBytes;
    this.filePackets += 1;
    this.packets += 1;
    if (this.limits.count !== undefined && this.packets >= this.limits.count) this.stop('count');
    return action;
  }

  /** After a rotation: the file that just fell out of the ring, or null when none did. */
  get expiredSequence(): number | null {
    const ring = this.limits.ringFiles;
    if (ring === undefined) return null;
    const expired = this.fileSequence - ring;
    return expired >= 1 ? expired : null;
  }

  /**
   * Stops recording. By default nothing more is admitted; with `admitBeforeMs`, packets stamped
   * before that time still are: the kernel hands captured packets over up to a batch timeout late.
   */
  stop(reason: StopReason, admitBeforeMs = Number.NEGATIVE_INFINITY): void {
    if (this.stopReason === null) this.stopReason = reason;
    this.admitBeforeMs = Math.min(this.admitBeforeMs, admitBeforeMs);
  }
}
