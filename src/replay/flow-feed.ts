/**
 * A capture read step by step into a flow table: each `step()` reads a short stretch of
 * capture time, decodes it and feeds the flow table, whose sink receives sessions and requests.
 * The caller decides when to take the next step, which is how a replay bounds its read-ahead.
 */
import { CaptureFlow } from '../flow/pipeline.ts';
import type { FlowSink } from '../flow/session.ts';

export interface FlowFeed {
  /** Reads and processes the next stretch; false once the capture is exhausted and every session closed. */
  step(): Promise<boolean>;
  /** How much of the file has been read, 0..1. */
  fractionRead(): number;
  /** Reader warnings, each naming the file (e.g. a truncated final record). */
  warnings(): string[];
  close(): Promise<void>;
}

/** Opens `path` as a feed; `onPacketTime` sees each packet's capture time (µs since the epoch). */
export type OpenFlowFeed = (
  path: string,
  sink: FlowSink,
  onPacketTime: (us: number) => void,
) => Promise<FlowFeed>;

/** Capture time read per step. */
const STEP_US = 20_000;

export const openCaptureFeed: OpenFlowFeed = async (path, sink, onPacketTime) => {
  // A step reads on from the earlier of the last two packet times: from the newest alone, one
  // packet stamped years ahead of the rest (a clock glitch) would make one step read the whole
  // rest of the capture.
  let previousUs = Number.NEGATIVE_INFINITY;
  let latestUs = Number.NEGATIVE_INFINITY;
  const flow = await CaptureFlow.open(path, sink, {
    keepPayload: true,
    onPacketTime: (us) => {
      previousUs = latestUs;
      latestUs = us;
      onPacketTime(us);
    },
  });
  return {
    step: () => flow.pump(Math.min(previousUs, latestUs) + STEP_US),
    fractionRead: () => flow.fractionDone(),
    warnings: () => flow.reader.warnings.map((w) => `${w.file}: at byte ${w.offset}: ${w.problem}`),
    close: () => (flow.done ? Promise.resolve() : flow.close()),
  };
};
