/**
 * Reads a capture into sessions: capture reader -> packet decoder -> flow table -> sink. Pull
 * based: `pump(untilUs)` reads only until the capture time reaches `untilUs`, so that a replay
 * scheduler can read ahead just as far as it needs (and stop reading while it is busy).
 */
import { type CaptureReader, type CaptureRecord, openCapture, type RecordCursor } from '../capture/index.ts';
import { DecodeContext } from '../packet/context.ts';
import { decodeRecord } from '../packet/decode.ts';
import { DecodeStatus } from '../packet/status.ts';
import { newPacketView } from '../packet/view.ts';
import { ClockSteps } from './clock-steps.ts';
import { FlowTable, type FlowTableOptions } from './flow-table.ts';
import type { FlowSink } from './session.ts';
import { timestampUs } from './timestamp.ts';

export interface CaptureFlowOptions extends FlowTableOptions {
  /** Bytes the reader reads at a time. */
  chunkBytes?: number;
  /** Sees every record's capture time (µs since the epoch), in file order (replay's --max-idle). */
  onPacketTime?: (us: number) => void;
  /**
   * Times after a step back of the capture's clock go on from the time before it (see
   * clock-steps.ts): the flow table, `onPacketTime` and the times kept here see mended times.
   * Without it they see the capture's own times; the steps are counted either way.
   */
  mendClockSteps?: boolean;
}

/** Link types numbered below this are counted in an array (others, rare, in a map). */
const COUNTED_LINK_TYPES = 512;

export class CaptureFlow {
  readonly decode = new DecodeContext();
  /** Packet records read so far. */
  packets = 0;
  /**
   * Capture time of the earliest and latest record read (µs since the epoch; NaN before the
   * first); these and `currentUs` are mended with `mendClockSteps`.
   */
  firstUs = Number.NaN;
  lastUs = Number.NaN;
  /** Capture time of the last record read. */
  currentUs = Number.NaN;
  /** File offset of the last record handled (in the decompressed stream for gzip). */
  private recordOffset = 0;
  private readonly view = newPacketView();
  private readonly linkTypeCounts = new Float64Array(COUNTED_LINK_TYPES);
  private readonly otherLinkTypes = new Map<number, number>();
  private readonly batches: AsyncGenerator<RecordCursor, void, undefined>;
  private cursor: RecordCursor | undefined;
  private ended = false;
  private readonly onPacketTime: ((us: number) => void) | undefined;
  private readonly mendsClockSteps: boolean;

  private constructor(
    readonly reader: CaptureReader,
    readonly table: FlowTable,
    /** The file's end closes the sessions still open (else the table's owner does, later). */
    private readonly closesSessions: boolean,
    /** Counts and mends the capture's clock steps back (shared by the files of one recording). */
    readonly clockSteps: ClockSteps,
    options: CaptureFlowOptions,
  ) {
    this.batches = reader.batches();
    this.onPacketTime = options.onPacketTime;
    this.mendsClockSteps = options.mendClockSteps === true;
    clockSteps.startFile();
  }

  /** Opens the capture (a CaptureError says why it cannot be read). Nothing is read until `pump`. */
  static async open(path: string, sink: FlowSink, options: CaptureFlowOptions = {}): Promise<CaptureFlow> {
    const reader = await openCapture(path, { chunkBytes: options.chunkBytes });
    return new CaptureFlow(reader, new FlowTable(sink, options), true, new ClockSteps(), options);
  }

  /**
   * Opens the capture to feed `table`, which may hold sessions of files read before: the file's
   * end leaves the sessions open, for a next file that goes on with them (`table.end()` closes them).
   * `clockSteps`, shared by those files, mends the next file's times as it did the last's.
   */
  static async into(
    path: string,
    table: FlowTable,
    options: Pick<CaptureFlowOptions, 'chunkBytes' | 'onPacketTime' | 'mendClockSteps'> = {},
    clockSteps = new ClockSteps(),
  ): Promise<CaptureFlow> {
    const reader = await openCapture(path, { chunkBytes: options.chunkBytes });
    return new CaptureFlow(reader, table, false, clockSteps, options);
  }

  /** The capture has been read to its end (and, unless opened `into` a table, every session closed). */
  get done(): boolean {
    return this.ended;
  }

  /**
   * Reads packets until one captured at or after `untilUs` has been handled, or to the end of the
   * capture (then every open session is closed, unless opened `into` a table). Resolves to false
   * once the capture is over.
   */
  async pump(untilUs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.ended) return false;
    for (;;) {
      const cursor = this.cursor;
      if (cursor !== undefined) {
        for (let record = cursor.next(); record !== null; record = cursor.next()) {
          this.handle(record);
          if (this.currentUs >= untilUs) return true;
        }
      }
      const next = await this.batches.next();
      if (next.done) {
        this.cursor = undefined;
        this.ended = true;
        if (this.closesSessions) this.table.end();
        return false;
      }
      this.cursor = next.value;
    }
  }

  /** Stops reading early and closes the file (sessions still open are not closed). */
  async close(): Promise<void> {
    await this.batches.return(undefined);
  }

  /**
   * How much of the capture has been handled, 0..1: by the last record's offset, since the
   * reader reads chunks ahead; for gzip, by the compressed bytes read (the only size known).
   */
  fractionDone(): number {
    const { fileSize, bytesRead, compressed } = this.reader;
    if (this.ended || fileSize <= 0) return 1;
    return Math.min(1, (compressed ? bytesRead : this.recordOffset) / fileSize);
  }

  /** Packets per link type, in order of link type number. */
  linkTypes(): Array<{ linkType: number; packets: number }> {
    const out: Array<{ linkType: number; packets: number }> = [];
    this.linkTypeCounts.forEach((packets, linkType) => {
      if (packets > 0) out.push({ linkType, packets });
    });
    for (const [linkType, packets] of [...this.otherLinkTypes].sort((a, b) => a[0] - b[0])) {
      out.push({ linkType, packets });
    }
    return out;
  }

  private handle(record: CaptureRecord): void {
    this.packets++;
    const linkType = record.linkType;
    if (linkType < COUNTED_LINK_TYPES) this.linkTypeCounts[linkType]++;
    else this.otherLinkTypes.set(linkType, (this.otherLinkTypes.get(linkType) ?? 0) + 1);
    const untimed = record.untimed === true;
    const rawUs = timestampUs(record);
    // An untimed record has the time of the record before it, mended as that one was.
    const mendedUs = untimed ? rawUs + this.clockSteps.offsetUs : this.clockSteps.mend(rawUs, record.index);
    const tsUs = this.mendsClockSteps ? mendedUs : rawUs;
    this.currentUs = tsUs;
    this.recordOffset = record.fileOffset;
    if (!untimed) {
      this.onPacketTime?.(tsUs);
      if (!(tsUs >= this.firstUs)) this.firstUs = tsUs;
      if (!(tsUs <= this.lastUs)) this.lastUs = tsUs;
    }
    if (decodeRecord(record, this.view, this.decode) === DecodeStatus.TCP) this.table.push(this.view, tsUs);
  }
}

/** Reads the whole capture into `sink`; resolves to the finished pipeline (for its counters). */
export async function readSessions(
  path: string,
  sink: FlowSink,
  options: CaptureFlowOptions = {},
): Promise<CaptureFlow> {
  const flow = await CaptureFlow.open(path, sink, options);
  try {
    while (await flow.pump()) {
      // pump() without a limit reads to the end.
    }
  } finally {
    if (!flow.done) await flow.close();
  }
  return flow;
}
