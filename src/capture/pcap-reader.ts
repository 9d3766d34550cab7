/**
 * Classic pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html): a 24-byte file header,
 * then records of a 16-byte header (seconds, microseconds or nanoseconds, captured length,
 * original length) and the captured bytes.
 *
 * Edge cases, as libpcap treats them:
 * - The magic gives both the byte order and the resolution; nothing else in the header does.
 * - The link type field carries FCS flags in its upper bits (LT_LINKTYPE masks them off).
 * - A snap length of 0 is common in old files and means "no limit"; a record may exceed the
 *   snap length (bad writers) but never max(snap length, 262144): beyond that it is corrupt.
 * - The captured length may exceed the original length in files from broken writers: tolerated.
 * - The fraction field is not range-checked (libpcap does not either): nanoseconds are
 *   fraction * 1000 for microsecond files, and may exceed 1e9 in a corrupt file.
 */
import { u16, u32, u32be, u32le } from './bytes.ts';
import { WindowedRecordParser } from './cursor.ts';
import { MAX_RECORD_BYTES, PCAP_MAX_SNAPLEN } from './limits.ts';
import { PCAP_FILE_HEADER_BYTES, PCAP_RECORD_HEADER_BYTES } from './pcap-format.ts';
import { CaptureError, type CaptureInterface, type CaptureRecord } from './record.ts';

const LINKTYPE_MASK = 0x03ffffff;

export interface PcapFileHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snapLength: number;
  linkType: number;
}

/** Recognises the four pcap magics from the first four bytes, or returns null. */
export function pcapMagic(buf: Buffer): Pick<PcapFileHeader, 'littleEndian' | 'nanosecond'> | null {
  if (buf.length < 4) return null;
  const le = u32le(buf, 0);
  const be = u32be(buf, 0);
  if (le === 0xa1b2c3d4) return { littleEndian: true, nanosecond: false };
  if (le === 0xa1b23c4d) return { littleEndian: true, nanosecond: true };
  if (be === 0xa1b2c3d4) return { littleEndian: false, nanosecond: false };
  if (be === 0xa1b23c4d) return { littleEndian: false, nanosecond: true };
  return null;
}

/** Parses the 24-byte file header at buf[0]; `buf` must start with a pcap magic. */
export function parsePcapFileHeader(file: string, buf: Buffer, available: number): PcapFileHeader {
  const magic = pcapMagic(buf);
  if (magic === null) throw new CaptureError(file, 0, 'not a pcap magic');
  if (available < PCAP_FILE_HEADER_BYTES) {
    throw new CaptureError(
      file,
      0,
      `pcap file header is truncated: ${available} of ${PCAP_FILE_HEADER_BYTES} bytes`,
    );
  }
  const le = magic.littleEndian;
  const versionMajor = u16(buf, 4, le);
  const versionMinor = u16(buf, 6, le);
  if (versionMajor !== 2) {
    throw new CaptureError(
      file,
      4,
      `unsupported pcap version ${versionMajor}.${versionMinor} (expected 2.x)`,
    );
  }
  return {
    ...magic,
    versionMajor,
    versionMinor,
    snapLength: u32(buf, 16, le),
    linkType: u32(buf, 20, le) & LINKTYPE_MASK,
  };
}

export function pcapInterface(header: PcapFileHeader): CaptureInterface {
  return {
    linkType: header.linkType,
    snapLength: header.snapLength,
    tsUnitsPerSecond: header.nanosecond ? 1e9 : 1e6,
  };
}

export class PcapRecordParser extends WindowedRecordParser {
  private readonly littleEndian: boolean;
  private readonly nsPerFractionUnit: number;
  private readonly maxCapturedLength: number;

  constructor(
    private readonly file: string,
    private readonly header: PcapFileHeader,
  ) {
    super();
    this.littleEndian = header.littleEndian;
    this.nsPerFractionUnit = header.nanosecond ? 1 : 1000;
    this.maxCapturedLength = Math.min(
      Math.max(header.snapLength, PCAP_MAX_SNAPLEN),
      MAX_RECORD_BYTES - PCAP_RECORD_HEADER_BYTES,
    );
    this.record.linkType = header.linkType;
  }

  next(): CaptureRecord | null {
    const buf = this.buf;
    const pos = this.pos;
    if (this.end - pos < PCAP_RECORD_HEADER_BYTES) {
      this.needed = PCAP_RECORD_HEADER_BYTES;
      return null;
    }
    let tsSec: number;
    let fraction: number;
    let capturedLength: number;
    let originalLength: number;
    if (this.littleEndian) {
      tsSec = u32le(buf, pos);
      fraction = u32le(buf, pos + 4);
      capturedLength = u32le(buf, pos + 8);
      originalLength = u32le(buf, pos + 12);
    } else {
      tsSec = u32be(buf, pos);
      fraction = u32be(buf, pos + 4);
      capturedLength = u32be(buf, pos + 8);
      originalLength = u32be(buf, pos + 12);
    }
    if (capturedLength > this.maxCapturedLength) this.failCapturedLength(pos, capturedLength);
    const total = PCAP_RECORD_HEADER_BYTES + capturedLength;
    if (this.end - pos < total) {
      this.needed = total;
      return null;
    }
    const record = this.record;
    record.index = this.index++;
    record.fileOffset = this.base + pos;
    record.tsSec = tsSec;
    record.tsNsec = fraction * this.nsPerFractionUnit;
    record.capturedLength = capturedLength;
    record.originalLength = originalLength;
    record.buf = buf;
    record.offset = pos + PCAP_RECORD_HEADER_BYTES;
    this.pos = pos + total;
    return record;
  }

  describeTruncation(available: number): string {
    if (available < PCAP_RECORD_HEADER_BYTES) {
      return `truncated record header at end of file: ${available} of ${PCAP_RECORD_HEADER_BYTES} bytes`;
    }
    return `truncated record at end of file: ${available} of ${this.needed} bytes`;
  }

  private failCapturedLength(pos: number, capturedLength: number): never {
    const snap = this.header.snapLength;
    const limit = this.maxCapturedLength === snap ? '' : ` (and the ${this.maxCapturedLength}-byte limit)`;
    throw new CaptureError(
      this.file,
      this.base + pos,
      `record caplen ${capturedLength} exceeds snap length ${snap}${limit}`,
    );
  }
}
