/**
 * A capture read step by step into a flow table: each `step()` reads a short stretch of
 * capture time, decodes it and feeds the flow table, whose sink receives sessions and requests.
 * The caller decides when to take the next step, which is how a replay bounds its read-ahead.
 * The table outlives the file: a next file of the same recording goes on with its sessions.
 */
import { ClockSteps } from '../flow/clock-steps.ts';
import type { FlowTable } from '../flow/flow-table.ts';
import { CaptureFlow } from '../flow/pipeline.ts';

export interface FlowFeed {
  /** Reads and processes the next stretch; false once the file is exhausted (its sessions stay open in the table). */
  step(): Promise<boolean>;
  /** How much of the file has been read, 0..1. */
  fractionRead(): number;
  /** Reader warnings, each naming the file (e.g. a truncated final record). */
  warnings(): string[];
  close(): Promise<void>;
}

/**
 * Opens `path` as a feed into `table`; `onPacketTime` sees each packet's capture time (µs since
 * the epoch), mended where the capture's clock steps back: by `clockSteps`, which the files of one
 * recording share (a new one when not given).
 */
export type OpenFlowFeed = (
  path: string,
  table: FlowTable,
  onPacketTime: (us: number) => void,
  clockSteps?: ClockSteps,
) => Promise<FlowFeed>;

/** Capture time read per step. */
const STEP_US = 20_000;

export const openCaptureFeed: OpenFlowFeed = async (
  path,
  table,
  onPacketTime,
  clockSteps = new ClockSteps(),
) => {
  // A step reads on from the earlier of the last two packet times: from the newest alone, one
  // packet stamped years ahead of the rest (a clock glitch) would make one step read the whole
  // rest of the capture.
  let previousUs = Number.NEGATIVE_INFINITY;
  let latestUs = Number.NEGATIVE_INFINITY;
  const flow = await CaptureFlow.into(
    path,
    table,
    {
      mendClockSteps: true,
      onPacketTime: (us) => {
        previousUs = latestUs;
        latestUs = us;
        onPacketTime(us);
      },
    },
    clockSteps,
  );
  return {
    step: () => flow.pump(Math.min(previousUs, latestUs) + STEP_US),
    fractionRead: () => flow.fractionDone(),
    warnings: () => flow.reader.warnings.map((w) => `${w.file}: at byte ${w.offset}: ${w.problem}`),
    close: () => (flow.done ? Promise.resolve() : flow.close()),
  };
};
