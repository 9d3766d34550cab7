/**
 * One plain line per snapshot, for when stdout is not a terminal (CI, a pipe): no ANSI, no
 * cursor movement, stable field order so that logs can be grepped.
 */

import { plural } from '../util/plural.ts';
import { sessionEndings } from './failures.ts';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatMs,
  formatPercent,
  formatRate,
  formatSpeed,
  fractionOf,
} from './format.ts';
import type { InterceptProgress, RecordProgress, ReplayProgress } from './progress.ts';

export function formatReplayLine(p: ReplayProgress): string {
  const endings = sessionEndings(p.sessions.notCompleted);
  const fields = [
    [
      'replay',
      formatPercent(fractionOf(p.timelineDoneUs, p.timelineTotalUs)),
      `${formatDuration(p.timelineDoneUs / 1000)}/${formatDuration(p.timelineTotalUs / 1000)}`,
      `elapsed ${formatDuration(p.elapsedMs)}`,
      `ETA ${formatDuration(p.etaMs)}`,
      `speed ${formatSpeed(p.speed)}`,
      ...(p.paused ? ['PAUSED'] : []),
    ].join(' '),
    [
      `sessions ${formatCount(p.sessions.planned)} planned`,
      `${formatCount(p.sessions.active)} active`,
      `${formatCount(p.sessions.completed)} completed`,
      `${formatCount(endings.failed)} failed${endings.failed > 0 ? ` (${endings.failedBreakdown})` : ''}`,
      ...(endings.notReplayed > 0
        ? [`${formatCount(endings.notReplayed)} not replayed (${endings.notReplayedBreakdown})`]
        : []),
    ].join(' '),
    `requests ${formatCount(p.requests.sent)} sent (${formatRate(p.requests.perSecond)}) ${formatCount(p.requests.answered)} answered`,
    `latency p50 ${formatMs(p.latencyMs?.p50)} p99 ${formatMs(p.latencyMs?.p99)}`,
    `send lag p50 ${formatMs(p.sendLagMs?.p50)} p99 ${formatMs(p.sendLagMs?.p99)}`,
  ];
  const lastError = p.lastErrors.at(-1);
  if (lastError !== undefined) fields.push(`last error: ${lastError}`);
  return fields.join(' | ');
}

export function formatRecordLine(p: RecordProgress): string {
  return [
    `record ${formatCount(p.packets)} packets ${formatBytes(p.bytes)} ${formatRate(p.packetsPerSecond)}`,
    `sessions ${formatCount(p.sessionsSeen)} seen ${formatCount(p.sessionsActive)} active`,
    `ports ${formatServerPorts(p.serverPorts)}`,
    `dropped ${formatCount(p.dropped)}`,
    `${p.fileName}${rotationSuffix(p.rotationIndex)} ${formatBytes(p.fileBytes)}`,
    `elapsed ${formatDuration(p.elapsedMs)}`,
  ].join(' | ');
}

export function formatInterceptLine(p: InterceptProgress): string {
  const counter = (name: keyof InterceptProgress['totals']) =>
    `${name} ${formatCount(p.totals[name])} (${formatRate(p.perSecond[name])})`;
  return [
    `intercept ${plural(p.replayersConnected, 'replayer')}`,
    (['captured', 'routed', 'held', 'unroutable', 'dropped'] as const).map(counter).join(' '),
    `routes ${formatCount(p.routesActive)}`,
    `uptime ${formatDuration(p.uptimeMs)}`,
  ].join(' | ');
}

/** `80 (120), 443 (7)`: port and sessions seen, or `-` before any. */
export function formatServerPorts(ports: RecordProgress['serverPorts'], max = 3): string {
  if (ports.length === 0) return '-';
  return ports
    .slice(0, max)
    .map(({ port, sessions }) => `${port} (${formatCount(sessions)})`)
    .join(', ');
}

/** ` (file 3)` for rotation index 2, nothing without rotation. */
export function rotationSuffix(index: number | undefined): string {
  return index === undefined ? '' : ` (file ${index + 1})`;
}
