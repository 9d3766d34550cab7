import { version } from '../version.ts';
import type { RunMetrics } from './metrics.ts';
import { type CaptureInfo, REPORT_SCHEMA, type RunReport } from './schema.ts';

/** What the run was, as opposed to what it measured. */
export interface RunInfo {
  captures: CaptureInfo[];
  /** The replay options as given; kept as JSON (undefined values dropped). */
  options: object;
  targets: string[];
  transport: string;
  transportCounters?: Record<string, number>;
  /** Defaults to the metrics' start plus their clock. */
  endedAt?: Date;
  /** Why the run ended before the end of its captures, if it did. */
  stopped?: string;
  /** What the replay warned about its captures and plan. */
  warnings?: string[];
}

/** The run report of a finished (or stopped) replay. Ends every session still open as 'stopped'. */
export function buildReport(metrics: RunMetrics, run: RunInfo): RunReport {
  const startedMs = metrics.startedAt.getTime();
  const durationMs = run.endedAt ? run.endedAt.getTime() - startedMs : metrics.now();
  const measured = metrics.measured(durationMs);
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'reprise', version },
    captures: run.captures,
    options: JSON.parse(JSON.stringify(run.options)) as Record<string, unknown>,
    targets: run.targets,
    transport: run.transport,
    ...(run.transportCounters ? { transportCounters: run.transportCounters } : {}),
    startedAt: metrics.startedAt.toISOString(),
    endedAt: new Date(startedMs + durationMs).toISOString(),
    ...(run.stopped !== undefined ? { stopped: run.stopped } : {}),
    ...(run.warnings !== undefined && run.warnings.length > 0 ? { warnings: run.warnings } : {}),
    ...measured,
  };
}
