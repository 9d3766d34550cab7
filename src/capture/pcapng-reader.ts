/**
 * pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html): a sequence of
 * blocks, each `type, total length, body, total length` in the byte order of its section.
 *
 * Edge cases, as pcapgo and Wireshark treat them:
 * - A Section Header Block starts a section and sets its byte order (from the byte-order magic);
 *   its type 0x0A0D0D0A reads the same in both orders. Interface ids restart in every section.
 *   `record.interfaceId` is the index into the reader's `interfaces` (all sections together).
 * - Block lengths: at least 12, a multiple of 4, at most MAX_RECORD_BYTES, equal to the trailing
 *   copy, and at least the minimum of the block's type. The section length field is ignored.
 * - Interface Description Block options: if_tsresol (one byte: 10^-n, or 2^-n when the top bit
 *   is set; default microseconds), if_tsoffset (seconds added to every timestamp), if_name.
 *   Option lengths must fit in the block; other options are skipped.
 * - Enhanced Packet Block: interface id in range, captured length within the block. A captured
 *   length above the interface's snap length is accepted (libpcap clamps, Wireshark accepts).
 * - Simple Packet Block: no captured length field; it is min(original length, the interface 0
 *   snap length when non-zero, the block's data bytes). Needs interface 0. No timestamp either:
 *   the record is `untimed`, with the time of the packet before it.
 * - Obsolete Packet Block: like EPB with a 16-bit interface id and a drops count.
 * - Any other block (name resolution, statistics, custom, decryption secrets, ...) is skipped
 *   by its length.
 */
import { u16, u32 } from './bytes.ts';
import { WindowedRecordParser } from './cursor.ts';
import { MAX_RECORD_BYTES } from './limits.ts';
import { CaptureError, type CaptureInterface, type CaptureRecord } from './record.ts';
import { type SplitTimestamp, splitTimestamp } from './timestamp.ts';

const BlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  PACKET: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  ENHANCED_PACKET: 0x00000006,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** type + length + byte-order magic: enough to read the length of any block, SHB included. */
const BLOCK_PREFIX_BYTES = 12;

function minimumBlockLength(type: number): number {
  switch (type) {
    case BlockType.SECTION_HEADER:
      return 28;
    case BlockType.INTERFACE_DESCRIPTION:
      return 20;
    case BlockType.SIMPLE_PACKET:
      return 16;
    case BlockType.PACKET:
    case BlockType.ENHANCED_PACKET:
      return 32;
    default:
      return BLOCK_PREFIX_BYTES;
  }
}

const BLOCK_NAMES: Record<number, string> = {
  [BlockType.SECTION_HEADER]: 'section header block',
  [BlockType.INTERFACE_DESCRIPTION]: 'interface description block',
  [BlockType.PACKET]: 'packet block',
  [BlockType.SIMPLE_PACKET]: 'simple packet block',
  [BlockType.ENHANCED_PACKET]: 'enhanced packet block',
};

const Option = { END: 0, IF_NAME: 2, IF_TSRESOL: 9, IF_TSOFFSET: 14 } as const;

/** True when the file starts with a section header block (in either byte order). */
export function isPcapngMagic(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x0a && buf[1] === 0x0d && buf[2] === 0x0d && buf[3] === 0x0a;
}

export class PcapngRecordParser extends WindowedRecordParser {
  /** Every interface of every section, in file order; `record.interfaceId` indexes it. */
  readonly interfaces: CaptureInterface[] = [];
  private readonly tsOffsetSeconds: number[] = [];
  private littleEndian = true;
  /** Index in `interfaces` of the current section's interface 0. */
  private sectionFirstInterface = 0;
  private pendingBlockType = 0;
  private readonly timestamp: SplitTimestamp = { sec: 0, nsec: 0 };

  constructor(private readonly file: string) {
    super();
  }

  next(): CaptureRecord | null {
    const buf = this.buf;
    for (;;) {
      const pos = this.pos;
      const available = this.end - pos;
      if (available < BLOCK_PREFIX_BYTES) {
        this.needed = BLOCK_PREFIX_BYTES;
        this.pendingBlockType = -1;
        return null;
      }
      const type = u32(buf, pos, this.littleEndian);
      if (type === BlockType.SECTION_HEADER) this.littleEndian = this.sectionByteOrder(pos);
      const le = this.littleEndian;
      const length = u32(buf, pos + 4, le);
      this.checkBlockLength(pos, type, length);
      if (available < length) {
        this.needed = length;
        this.pendingBlockType = type;
        return null;
      }
      const trailer = u32(buf, pos + length - 4, le);
      if (trailer !== length) {
        this.fail(pos, `pcapng block length ${length} does not match its trailing copy ${trailer}`);
      }
      this.pos = pos + length;
      switch (type) {
        case BlockType.ENHANCED_PACKET:
          return this.packetBlock(pos, length, le, type, u32(buf, pos + 8, le));
        case BlockType.PACKET:
          // The obsolete packet block: a 16-bit interface id, then a drops count.
          return this.packetBlock(pos, length, le, type, u16(buf, pos + 8, le));
        case BlockType.SIMPLE_PACKET:
          return this.simplePacket(pos, length, le);
        case BlockType.INTERFACE_DESCRIPTION:
          this.interfaceDescription(pos, length, le);
          break;
        case BlockType.SECTION_HEADER:
          this.sectionHeader(pos, le);
          break;
      }
    }
  }

  describeTruncation(available: number): string {
    if (this.pendingBlockType < 0) {
      return `truncated block header at end of file: ${available} of ${BLOCK_PREFIX_BYTES} bytes`;
    }
    const name =
      BLOCK_NAMES[this.pendingBlockType] ?? `block of type 0x${this.pendingBlockType.toString(16)}`;
    return `truncated ${name} at end of file: ${available} of ${this.needed} bytes`;
  }

  /** Enhanced and obsolete packet blocks share a layout after the interface id. */
  private packetBlock(
    pos: number,
    length: number,
    le: boolean,
    type: number,
    sectionInterfaceId: number,
  ): CaptureRecord {
    const interfaceId = this.interfaceIndex(pos, sectionInterfaceId);
    const capturedLength = u32(this.buf, pos + 20, le);
    const dataBytes = length - 32;
    if (capturedLength > dataBytes) {
      this.fail(
        pos,
        `${BLOCK_NAMES[type]} caplen ${capturedLength} exceeds the block's ${dataBytes} data bytes`,
      );
    }
    return this.fill(
      pos,
      interfaceId,
      u32(this.buf, pos + 12, le),
      u32(this.buf, pos + 16, le),
      capturedLength,
      u32(this.buf, pos + 24, le),
      pos + 28,
    );
  }

  private simplePacket(pos: number, length: number, le: boolean): CaptureRecord {
    const interfaceId = this.interfaceIndex(pos, 0);
    const originalLength = u32(this.buf, pos + 8, le);
    const snapLength = this.interfaces[interfaceId].snapLength;
    let capturedLength = Math.min(originalLength, length - 16);
    if (snapLength !== 0 && snapLength < capturedLength) capturedLength = snapLength;
    const { tsSec, tsNsec } = this.record;
    const record = this.fill(pos, interfaceId, 0, 0, capturedLength, originalLength, pos + 12);
    record.tsSec = tsSec;
    record.tsNsec = tsNsec;
    record.untimed = true;
    return record;
  }

  private fill(
    pos: number,
    interfaceId: number,
    tsHigh: number,
    tsLow: number,
    capturedLength: number,
    originalLength: number,
    dataOffset: number,
  ): CaptureRecord {
    const iface = this.interfaces[interfaceId];
    const record = this.record;
    splitTimestamp(tsHigh, tsLow, iface.tsUnitsPerSecond, this.timestamp);
    record.index = this.index++;
    record.fileOffset = this.base + pos;
    record.linkType = iface.linkType;
    record.interfaceId = interfaceId;
    record.tsSec = this.timestamp.sec + this.tsOffsetSeconds[interfaceId];
    record.tsNsec = this.timestamp.nsec;
    record.untimed = false;
    record.capturedLength = capturedLength;
    record.originalLength = originalLength;
    record.buf = this.buf;
    record.offset = dataOffset;
    return record;
  }

  /** Maps a section-relative interface id to an index in `interfaces`. */
  private interfaceIndex(pos: number, sectionInterfaceId: number): number {
    const count = this.interfaces.length - this.sectionFirstInterface;
    if (sectionInterfaceId >= count) {
      this.fail(
        pos,
        count === 0
          ? `packet on interface ${sectionInterfaceId}, but the section has no interface description block yet`
          : `packet on interface ${sectionInterfaceId}, but the section has only ${count} interface(s)`,
      );
    }
    return this.sectionFirstInterface + sectionInterfaceId;
  }

  private sectionByteOrder(pos: number): boolean {
    const magicLe = u32(this.buf, pos + 8, true);
    if (magicLe === BYTE_ORDER_MAGIC) return true;
    if (u32(this.buf, pos + 8, false) === BYTE_ORDER_MAGIC) return false;
    return this.fail(
      pos + 8,
      `pcapng section header byte-order magic is 0x${magicLe.toString(16).padStart(8, '0')}, expected 0x1a2b3c4d in either byte order`,
    );
  }

  private sectionHeader(pos: number, le: boolean): void {
    const major = u16(this.buf, pos + 12, le);
    const minor = u16(this.buf, pos + 14, le);
    if (major !== 1) this.fail(pos + 12, `unsupported pcapng version ${major}.${minor} (expected 1.x)`);
    this.sectionFirstInterface = this.interfaces.length;
  }

  private interfaceDescription(pos: number, length: number, le: boolean): void {
    const iface: CaptureInterface = {
      linkType: u16(this.buf, pos + 8, le),
      snapLength: u32(this.buf, pos + 12, le),
      tsUnitsPerSecond: 1e6,
    };
    let tsOffset = 0;
    const optionsEnd = pos + length - 4;
    let p = pos + 16;
    while (p + 4 <= optionsEnd) {
      const code = u16(this.buf, p, le);
      const size = u16(this.buf, p + 2, le);
      if (code === Option.END) break;
      const value = p + 4;
      if (value + size > optionsEnd) {
        this.fail(p, `interface option ${code} length ${size} overruns the interface description block`);
      }
      if (code === Option.IF_TSRESOL) {
        if (size !== 1) this.fail(p, `if_tsresol option length ${size}, expected 1`);
        iface.tsUnitsPerSecond = this.timestampUnits(p, this.buf[value]);
      } else if (code === Option.IF_TSOFFSET) {
        if (size !== 8) this.fail(p, `if_tsoffset option length ${size}, expected 8`);
        tsOffset = Number(le ? this.buf.readBigInt64LE(value) : this.buf.readBigInt64BE(value));
      } else if (code === Option.IF_NAME) {
        iface.name = this.buf.toString('utf8', value, value + size).replace(/\0+$/, '');
      }
      p = value + ((size + 3) & ~3);
    }
    this.interfaces.push(iface);
    this.tsOffsetSeconds.push(tsOffset);
  }

  private timestampUnits(pos: number, resolution: number): number {
    const exponent = resolution & 0x7f;
    const powerOfTwo = (resolution & 0x80) !== 0;
    // 10^-19 and 2^-63 are the finest resolutions a 64-bit timestamp can usefully carry.
    if (powerOfTwo ? exponent > 63 : exponent > 19) {
      this.fail(pos, `if_tsresol ${powerOfTwo ? 2 : 10}^-${exponent} is finer than supported`);
    }
    return powerOfTwo ? 2 ** exponent : Number(`1e${exponent}`);
  }

  private checkBlockLength(pos: number, type: number, length: number): void {
    const minimum = minimumBlockLength(type);
    if (length >= minimum && (length & 3) === 0 && length <= MAX_RECORD_BYTES) return;
    const name = BLOCK_NAMES[type] ?? 'block';
    if (length < minimum) this.fail(pos, `pcapng ${name} length ${length} is below the minimum ${minimum}`);
    if (length % 4 !== 0) this.fail(pos, `pcapng ${name} length ${length} is not a multiple of 4`);
    this.fail(pos, `pcapng ${name} length ${length} exceeds the ${MAX_RECORD_BYTES}-byte limit`);
  }

  private fail(pos: number, problem: string): never {
    throw new CaptureError(this.file, this.base + pos, problem);
  }
}
