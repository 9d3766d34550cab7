import { type ByteSource, FileByteSource, openFileHandle } from './byte-source.ts';
import { hexBytes } from './bytes.ts';
import { ChunkBuffer } from './chunk-buffer.ts';
import type { RecordCursor, RecordParser } from './cursor.ts';
import { GZIP_MAGIC } from './gzip-header.ts';
import { GzipByteSource } from './gzip-source.ts';
import { DEFAULT_CHUNK_BYTES } from './limits.ts';
import { PCAP_FILE_HEADER_BYTES } from './pcap-format.ts';
import { PcapRecordParser, parsePcapFileHeader, pcapInterface, pcapMagic } from './pcap-reader.ts';
import { isPcapngMagic, PcapngRecordParser } from './pcapng-reader.ts';
import {
  CaptureError,
  type CaptureFormat,
  type CaptureInterface,
  type CaptureRecord,
  type CaptureWarning,
  type CaptureWarningKind,
} from './record.ts';

export interface OpenCaptureOptions {
  /** Bytes read at a time (tests use tiny chunks to cut records at every boundary). */
  chunkBytes?: number;
}

/**
 * A capture file opened for one streaming pass. Pull chunks with `batches()` and walk each
 * chunk's records with its cursor:
 *
 *   for await (const cursor of reader.batches())
 *     for (let r = cursor.next(); r !== null; r = cursor.next()) use(r);
 *
 * The file is closed when the iteration ends, breaks or throws.
 */
export interface CaptureReader {
  readonly file: string;
  readonly format: CaptureFormat;
  readonly compressed: boolean;
  /** pcap: the one interface of the file header. pcapng: grows as interface blocks are read. */
  readonly interfaces: readonly CaptureInterface[];
  readonly warnings: readonly CaptureWarning[];
  /** Bytes of the file on disk consumed so far (compressed bytes for gzip); see `fileSize`. */
  readonly bytesRead: number;
  readonly fileSize: number;
  batches(): AsyncGenerator<RecordCursor, void, undefined>;
  close(): Promise<void>;
}

/** Opens a pcap or pcapng file, gzip-compressed or not, telling the format by its magic. */
export async function openCapture(path: string, options: OpenCaptureOptions = {}): Promise<CaptureReader> {
  const { handle, size } = await openFileHandle(path);
  let source: ByteSource = new FileByteSource(handle);
  try {
    if (size === 0) throw new CaptureError(path, -1, 'not a capture file: the file is empty');
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    const compressed = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
    if (compressed) source = new GzipByteSource(path, handle, size);
    const chunk = new ChunkBuffer(source, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    await chunk.ensure(PCAP_FILE_HEADER_BYTES);
    const { format, parser, interfaces } = detectFormat(path, chunk, compressed);
    return new StreamingCaptureReader(path, format, compressed, interfaces, size, source, chunk, parser);
  } catch (error) {
    await source.close();
    throw error;
  }
}

function detectFormat(
  path: string,
  chunk: ChunkBuffer,
  compressed: boolean,
): { format: CaptureFormat; parser: RecordParser; interfaces: CaptureInterface[] } {
  const head = chunk.buf.subarray(0, chunk.available);
  const pcap = pcapMagic(head);
  if (pcap !== null) {
    const header = parsePcapFileHeader(path, head, chunk.available);
    chunk.start = PCAP_FILE_HEADER_BYTES;
    return {
      format: 'pcap',
      parser: new PcapRecordParser(path, header),
      interfaces: [pcapInterface(header)],
    };
  }
  if (isPcapngMagic(head)) {
    const parser = new PcapngRecordParser(path);
    return { format: 'pcapng', parser, interfaces: parser.interfaces };
  }
  const content = compressed ? 'gzip-compressed, but the first bytes inside' : 'first bytes';
  const shown = Math.min(4, chunk.available);
  const problem =
    shown < 4
      ? `not a capture file: only ${chunk.available} byte(s)${compressed ? ' inside the gzip data' : ''}`
      : `not a capture file: ${content} ${hexBytes(head, 0, shown)} are neither a pcap nor a pcapng magic`;
  throw new CaptureError(path, 0, problem);
}

class StreamingCaptureReader implements CaptureReader {
  readonly warnings: CaptureWarning[] = [];
  private closed = false;
  private started = false;

  constructor(
    readonly file: string,
    readonly format: CaptureFormat,
    readonly compressed: boolean,
    readonly interfaces: readonly CaptureInterface[],
    readonly fileSize: number,
    private readonly source: ByteSource,
    private readonly chunk: ChunkBuffer,
    private readonly parser: RecordParser,
  ) {}

  get bytesRead(): number {
    return this.source.fileBytesRead;
  }

  async *batches(): AsyncGenerator<RecordCursor, void, undefined> {
    if (this.started) throw new Error(`${this.file}: batches() can be called once per opened capture`);
    this.started = true;
    const { chunk, parser } = this;
    try {
      for (;;) {
        parser.setWindow(chunk.buf, chunk.start, chunk.end, chunk.fileOffset(0));
        yield parser;
        chunk.start = parser.position;
        if (await chunk.ensure(parser.needed)) continue;
        this.noteEndOfData();
        return;
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source.close();
  }

  private noteEndOfData(): void {
    const { chunk } = this;
    if (this.source.endedEarly) {
      this.warn(
        'gzip-truncated',
        chunk.fileOffset(chunk.end),
        'gzip data ends early (the compressed file is truncated)',
      );
    }
    if (this.source.garbageAt !== null) {
      const problem =
        'trailing garbage after the gzip data, from this offset in the compressed file: ignored, as gzip -d does';
      this.warn('gzip-trailing-garbage', this.source.garbageAt, problem);
    }
    if (chunk.available === 0) return;
    const offset = chunk.fileOffset(chunk.start);
    const problem = this.parser.describeTruncation(chunk.available);
    // Cut inside its first block (pcapng's section header), a file holds nothing usable.
    if (offset === 0) throw new CaptureError(this.file, 0, problem);
    this.warn('truncated-record', offset, problem);
  }

  private warn(kind: CaptureWarningKind, offset: number, problem: string): void {
    this.warnings.push({ file: this.file, kind, offset, problem });
  }
}

export interface CaptureSummary {
  format: CaptureFormat;
  compressed: boolean;
  interfaces: readonly CaptureInterface[];
  warnings: readonly CaptureWarning[];
  records: number;
}

/** Calls `onRecord` for every record of the file (the record object is reused between calls). */
export async function forEachRecord(
  path: string,
  onRecord: (record: CaptureRecord) => void,
  options: OpenCaptureOptions = {},
): Promise<CaptureSummary> {
  const reader = await openCapture(path, options);
  let records = 0;
  for await (const cursor of reader.batches()) {
    for (let record = cursor.next(); record !== null; record = cursor.next()) {
      onRecord(record);
      records++;
    }
  }
  const { format, compressed, interfaces, warnings } = reader;
  return { format, compressed, interfaces, warnings, records };
}
