/**
 * The shapes every capture reader and writer shares. A reader yields records through a cursor
 * that reuses one `CaptureRecord` object and one chunk buffer: a record is valid only until the
 * cursor moves on. Copy what must outlive it.
 */

/** Link-layer header types (https://www.tcpdump.org/linktypes.html) that reprise decodes. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureRecord {
  /** 0-based index of the packet record in the file (non-packet blocks are not counted). */
  index: number;
  /** Byte offset of the record's header in the (decompressed) file. */
  fileOffset: number;
  /** Link type of the interface the packet was captured on. */
  linkType: number;
  /** Index into the reader's interface list (all pcapng sections counted); 0 for pcap. */
  interfaceId: number;
  /** Capture time: whole seconds since the epoch, and nanoseconds within that second. */
  tsSec: number;
  tsNsec: number;
  /**
   * The block carried no time (a pcapng Simple Packet Block): tsSec/tsNsec are then those of the
   * packet before it in the file (0 before any), and the capture's time span leaves it out.
   */
  untimed?: boolean;
  /** Bytes present in the file for this packet. */
  capturedLength: number;
  /** Length of the packet on the wire (>= capturedLength when the snap length cut it). */
  originalLength: number;
  /** The record's bytes are buf[offset, offset + capturedLength). Reused: do not keep a reference. */
  buf: Buffer;
  offset: number;
}

export interface CaptureInterface {
  linkType: number;
  snapLength: number;
  /** Timestamp units per second (1e6 for microseconds, 1e9 for nanoseconds, ...). */
  tsUnitsPerSecond: number;
  name?: string;
}

/** Non-fatal problems found while reading; the records before (and, where possible, after) are usable. */
export interface CaptureWarning {
  file: string;
  /** What it is: a last record cut short, gzip data cut short, or bytes after the gzip data. */
  kind: CaptureWarningKind;
  /** Where: in the (decompressed) capture, except for 'gzip-trailing-garbage' (in the compressed file). */
  offset: number;
  problem: string;
}

export type CaptureWarningKind = 'truncated-record' | 'gzip-truncated' | 'gzip-trailing-garbage';

/**
 * A file that cannot be read as a capture (missing, not a capture, corrupt). `offset` is the byte
 * offset in the (decompressed) file where the problem was found, or -1 when it is about the file
 * as a whole.
 */
export class CaptureError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly problem: string,
  ) {
    super(offset >= 0 ? `${file}: at byte ${offset}: ${problem}` : `${file}: ${problem}`);
    this.name = 'CaptureError';
  }
}
