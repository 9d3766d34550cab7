/**
 * `reprise replay` as a function: plans and runs the replay, shows its progress, and writes
 * the run report. The CLI and the demo call it; so do the end-to-end tests.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { openCapture } from '../capture/open.ts';
import { buildReport } from '../report/build.ts';
import { besideFile, reportTarget, writeReport } from '../report/io.ts';
import { RunMetrics } from '../report/metrics.ts';
import type { RunReport } from '../report/schema.ts';
import { SessionSpill } from '../report/session-spill.ts';
import { describeCapture } from '../report/sha256.ts';
import { formatSummary } from '../report/summary.ts';
import { createRawTransport, type RawOptions } from '../transport/raw-create.ts';
import { SocketTransport } from '../transport/socket.ts';
import { defaultSocketSessionOptions } from '../transport/socket-session.ts';
import type { LiveViewHandle } from '../tui/live.ts';
import { startReplayLiveView } from '../tui/live-views.ts';
import type { ReplayProgress } from '../tui/progress.ts';
import { errorCode } from '../util/error-code.ts';
import { ignoreTerminalWriteErrors } from '../util/hangup.ts';
import { overwrittenInput } from '../util/same-file.ts';
import { UserError } from '../util/user-error.ts';
import { openCaptureFeed } from './flow-feed.ts';
import { metricsObserver } from './metrics-observer.ts';
import { endpointText } from './plan.ts';
import { type ReplayPlanOptions, ReplayRun, type Transport } from './run.ts';
import type { Transfer } from './transfer.ts';

export interface ReplayConfig extends ReplayPlanOptions {
  transport: 'socket' | 'raw';
  raw?: RawOptions;
  noWait: boolean;
  sessionTimeoutMs: number;
  /** Where to write the run report (JSON), if anywhere. */
  reportPath?: string;
  /**
   * With a report path: keep ended sessions' results in a file beside the report rather than in
   * memory, so that memory stays flat however many sessions run (the CLI does); the returned
   * report then lists no sessions (the file has them).
   */
  sessionsOnDisk?: boolean;
  /** Force the live view on or off (default: on when stdout and stdin are terminals). */
  interactive?: boolean;
  /** The options as the user gave them, for the report. */
  given?: object;
}

export interface ReplayOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface ReplayResult {
  report: RunReport;
  /** The run was stopped by the user or a signal. */
  stopped: boolean;
  /** It was stopped by a hangup (SIGHUP): the terminal is gone (see util/hangup.ts). */
  hungUp: boolean;
}

export async function replay(
  config: ReplayConfig,
  out: ReplayOutput = { stdout: process.stdout, stderr: process.stderr },
): Promise<ReplayResult> {
  await checkCaptures(config.captures);
  const reportAt =
    config.reportPath !== undefined ? await checkReportPath(config.reportPath, config.captures) : undefined;
  const spill = reportAt && config.sessionsOnDisk ? openSpill(config.reportPath!, reportAt) : undefined;
  try {
    return await replayWith(config, out, spill);
  } finally {
    spill?.close();
  }
}

async function replayWith(
  config: ReplayConfig,
  out: ReplayOutput,
  spill: SessionSpill | undefined,
): Promise<ReplayResult> {
  // The view is on screen before the run exists, so that loading it cannot delay the first sends.
  let live: { run: ReplayRun; metrics: RunMetrics } | undefined;
  /** Why the run was stopped before the end of the captures, if it was; a stop may come before the run exists. */
  let stoppedBy: string | undefined;
  const stopBy = (by: string) => {
    stoppedBy ??= by;
    live?.run.stop(`the run was stopped ${stoppedBy}`);
  };
  const stop = () => stopBy('by the user');
  let hungUp = false;
  const hangUp = () => {
    hungUp = true;
    ignoreTerminalWriteErrors();
    stopBy('by a hangup');
  };
  /** Why the transport cannot go on (it ended the sessions it had); the run stops with it. */
  let fatal: string | undefined;
  const onFatal = (reason: string) => {
    fatal ??= reason;
    stopBy(`on ${reason}`);
  };
  // `on`, not `once`: Ink's signal-exit sees a process with no other listener left as its to end.
  process.on('SIGTERM', stop);
  process.on('SIGHUP', hangUp);
  let view: LiveViewHandle | undefined;
  let failure: unknown;
  let transport: Transport;
  let metrics: RunMetrics;
  let run: ReplayRun;
  try {
    transport = await createTransport(config, out, onFatal);
    view = startReplayLiveView(
      () => (live ? progressOf(live.run, live.metrics) : startingProgress(config)),
      {
        onStop: stop,
        onPauseToggle: () => (live?.run.paused ? live.run.resume() : live?.run.pause()),
        onSpeedChange: (factor) => live?.run.setSpeed(factor),
      },
      config.interactive !== undefined ? { interactive: config.interactive } : {},
    );
    await view.ready;
    metrics = new RunMetrics({
      startedAt: new Date(),
      clock: () => run.nowMs(),
      ...(spill ? { endedSessions: spill } : {}),
    });
    run = new ReplayRun(config, transport, metricsObserver(metrics), openCaptureFeed);
    live = { run, metrics };
    if (stoppedBy !== undefined) run.stop(`the run was stopped ${stoppedBy}`);
    try {
      await run.run();
    } catch (err) {
      failure = err;
    }
  } finally {
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGHUP', hangUp);
    // After a hangup the terminal is gone: giving it back fails (EIO), and nobody is there to care.
    await view?.stop().catch((err: unknown) => {
      if (!hungUp) throw err;
    });
  }
  // A map that selects nothing is bad input: no summary and no report (one already there stays).
  const nothingSelected = failure === undefined && fatal === undefined ? run.nothingSelected : undefined;
  if (nothingSelected !== undefined) throw new UserError(nothingSelected);
  const endedAt = new Date();
  const report = buildReport(metrics, {
    captures: await Promise.all(config.captures.map((c) => describeCapture(c))),
    options: config.given ?? {},
    // Where sessions went: an -x entry that selected none is warned about, not listed.
    targets: [...new Set(transfersForTargets(run, config).map((t) => endpointText(t.target)))],
    transport: transport.name,
    endedAt,
    ...(transport.counters ? { transportCounters: transport.counters() } : {}),
    ...(stoppedBy !== undefined ? { stopped: stoppedBy } : {}),
    warnings: run.progress().warnings,
  });
  if (spill?.error) {
    out.stderr.write(
      `reprise: warning: cannot write ended sessions to ${spill.path} (${errorCode(spill.error)}): ` +
        'the rest of the run kept them in memory\n',
    );
  }
  const lines = spill ? () => spill.lines() : undefined;
  const written = config.reportPath ? await saveReport(config.reportPath, report, out, lines) : undefined;
  for (const w of report.warnings ?? []) out.stderr.write(`reprise: warning: ${w}\n`);
  out.stdout.write(`${formatSummary(report)}\n`);
  if (written) out.stdout.write(`report written to ${written}\n`);
  if (failure !== undefined) throw failure;
  if (fatal !== undefined) {
    const kept = config.reportPath ? 'the report has what it did' : 'the summary above has what it did';
    throw new UserError(`${fatal}: the replay stopped early (${kept})`, 1);
  }
  if (config.reportPath && written !== config.reportPath) {
    throw new UserError(`--report ${config.reportPath}: the report could not be written there`, 1);
  }
  return { report, stopped: stoppedBy !== undefined && fatal === undefined, hungUp };
}

/** The file ended sessions wait in, beside the report (see SessionSpill). */
function openSpill(reportPath: string, reportAt: { target: string; into: boolean }): SessionSpill {
  // Beside the report; in the temporary directory when it goes into a device (/dev/null) or FIFO.
  const beside = reportAt.into ? join(tmpdir(), `reprise-${basename(reportAt.target)}`) : reportAt.target;
  const path = besideFile(beside, 'sessions.jsonl');
  try {
    return new SessionSpill(path);
  } catch (err) {
    throw new UserError(`--report ${reportPath}: cannot create ${path} (${errorCode(err)})`);
  }
}

/** Before the run: a report that cannot be written should not cost a whole replay to find out. */
/** Where the report will go (see reportTarget), checked before the run. */
async function checkReportPath(path: string, captures: string[]): Promise<{ target: string; into: boolean }> {
  if (path === '') throw new UserError('--report: give a file name');
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) throw new UserError(`--report ${path}: is a directory`);
  const capture = await overwrittenInput(path, captures);
  if (capture !== undefined)
    throw new UserError(`--report ${path}: is the capture ${capture}, which it would overwrite`);
  const at = await reportTarget(path);
  if (at.into) return at;
  const dir = dirname(at.target);
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new UserError(`--report ${path}: cannot write in ${dir} (${errorCode(err)})`);
  }
  return at;
}

/**
 * Writes the report where asked or, when that fails at the end of the run (disk full, directory
 * gone), into the temporary directory, so that what was measured is kept. Returns where it went.
 */
async function saveReport(
  path: string,
  report: RunReport,
  out: ReplayOutput,
  sessionLines: (() => Iterable<string>) | undefined,
): Promise<string | undefined> {
  try {
    await writeReport(path, report, sessionLines);
    return path;
  } catch (err) {
    const fallback = join(
      tmpdir(),
      `reprise-report-${report.startedAt.replace(/[:.]/g, '-')}-${process.pid}.json`,
    );
    const code = errorCode(err);
    try {
      await writeReport(fallback, report, sessionLines);
      out.stderr.write(
        `reprise: cannot write the report to ${path} (${code}); it was saved to ${fallback}\n`,
      );
      return fallback;
    } catch {
      out.stderr.write(`reprise: cannot write the report to ${path} (${code}), nor to ${fallback}\n`);
      return undefined;
    }
  }
}

async function createTransport(
  config: ReplayConfig,
  out: ReplayOutput,
  onFatal: (reason: string) => void,
): Promise<Transport> {
  if (config.transport === 'raw') {
    if (!config.raw) throw new UserError('--transport raw: give the intercepts with -s <host[:port],...>');
    return createRawTransport({
      ...config.raw,
      seed: config.seed,
      targets: config.transfers.map((t) => t.target.ip),
      engine: {
        noWait: config.noWait,
        sessionTimeoutUs: config.sessionTimeoutMs * 1000,
      },
      warn: (message) => out.stderr.write(`reprise: ${message}\n`),
      onFatal,
    });
  }
  return new SocketTransport({
    ...defaultSocketSessionOptions,
    noWait: config.noWait,
    sessionTimeoutMs: config.sessionTimeoutMs,
  });
}

async function checkCaptures(paths: string[]): Promise<void> {
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new UserError(`${path}: no such file`);
    if (!info.isFile()) throw new UserError(`${path}: not a file`);
    // Its header read now: a file that is no capture fails before the ones before it are replayed.
    await (await openCapture(path)).close();
  }
}

function startingProgress(config: ReplayConfig): ReplayProgress {
  return {
    timelineDoneUs: 0,
    timelineTotalUs: 0,
    elapsedMs: 0,
    speed: config.speed,
    paused: false,
    sessions: { planned: 0, active: 0, completed: 0, notCompleted: {} },
    requests: { sent: 0, answered: 0, perSecond: 0 },
    lastErrors: [],
  };
}

function progressOf(run: ReplayRun, metrics: RunMetrics): ReplayProgress {
  const p = run.progress();
  const m = metrics.snapshot();
  const total = p.timelineEstimateUs ?? 0;
  const notCompleted: ReplayProgress['sessions']['notCompleted'] = {};
  for (const [outcome, n] of Object.entries(m.sessions.byOutcome)) {
    if (outcome !== 'completed' && n > 0) notCompleted[outcome as keyof typeof notCompleted] = n;
  }
  let done: number;
  let etaMs: number | undefined;
  if (p.speed === Number.POSITIVE_INFINITY) {
    // No clock to follow: progress is the share of the sessions to replay that ended (those read
    // so far, extrapolated to the whole capture while it is read).
    const { ended } = m.sessions;
    const sessions = p.plannedEstimate;
    done = sessions > 0 ? (total * Math.min(ended, sessions)) / sessions : 0;
    if (ended > 0) etaMs = (m.elapsedMs / ended) * Math.max(0, sessions - ended);
  } else {
    done = Math.min(p.timelineUs, total || p.timelineUs);
    if (total > 0) etaMs = (total - done) / 1000 / p.speed;
  }
  return {
    timelineDoneUs: done,
    timelineTotalUs: total,
    elapsedMs: m.elapsedMs,
    ...(etaMs !== undefined ? { etaMs } : {}),
    speed: p.speed,
    paused: p.paused,
    sessions: { planned: p.planned, active: p.active, completed: m.sessions.completed, notCompleted },
    requests: { sent: m.requests.sent, answered: m.requests.answered, perSecond: m.sentPerSecond },
    ...(m.requests.answered > 0 ? { latencyMs: m.latency } : {}),
    ...(m.requests.sent > 0 ? { sendLagMs: { p50: m.sendLag.p50, p99: m.sendLag.p99 } } : {}),
    lastErrors: m.lastErrors.map((e) => `session ${e.sessionId}: ${e.outcome}: ${e.reason}`),
    slowSessions: [...m.failedSessions, ...m.slowestSessions].map((s) => ({
      sessionId: s.sessionId,
      client: s.copy > 0 || s.loop > 0 ? `${s.client} (copy ${s.copy}, loop ${s.loop})` : s.client,
      ...(s.outcome ? { outcome: s.outcome } : {}),
      slowestMs: s.slowestMs,
      ...(s.reason ? { reason: s.reason } : {}),
    })),
  };
}

/** The -x entries that selected sessions; every entry when none did (a run stopped before reading). */
function transfersForTargets(run: ReplayRun, config: ReplayConfig): Transfer[] {
  const used = run.transfersUsed;
  return used.length > 0 ? used : config.transfers;
}
