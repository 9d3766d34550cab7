import { formatBytes, formatDuration, formatMs, formatNumber } from './format.ts';
import { type Percentiles, type RunReport, SESSION_OUTCOMES } from './schema.ts';
import { readsHttpStatus } from './status-read.ts';

/** The compact block printed at the end of a replay. */
export function formatSummary(report: RunReport): string {
  const { totals, latency, throughput, sendLag } = report;
  const outcomes = SESSION_OUTCOMES.filter((outcome) => totals.sessions.byOutcome[outcome] > 0)
    .map((outcome) => `${totals.sessions.byOutcome[outcome]} ${outcome}`)
    .join(', ');
  const statuses = Object.entries(totals.httpStatus)
    .map(([status, count]) => `${status} ×${count}`)
    .join('  ');
  const reconnects = totals.sessions.reconnects ?? 0;
  const notCaptured = totals.requests.notCaptured ?? 0;
  const unansweredAsCaptured = totals.requests.unansweredAsCaptured ?? 0;
  const awaitingAtStop = totals.requests.awaitingAtStop ?? 0;
  const requestNotes = [
    ...(awaitingAtStop > 0 ? [`${awaitingAtStop} awaiting an answer when stopped`] : []),
    ...(unansweredAsCaptured > 0 ? [`${unansweredAsCaptured} unanswered as in the capture`] : []),
    ...(notCaptured > 0 ? [`${notCaptured} not in the capture`] : []),
  ];
  const lines = [
    `replay    ${formatDuration(report.durationMs)} over ${report.transport} to ${report.targets.join(', ') || '(no target)'}`,
    `sessions  ${totals.sessions.planned} planned: ${outcomes || 'none'}${reconnects > 0 ? `; ${reconnects} reconnects` : ''}`,
    `requests  ${totals.requests.sent}/${totals.requests.planned} sent, ${totals.requests.answered} answered, ${totals.requests.lost} lost${requestNotes.map((note) => `, ${note}`).join('')}; ${formatNumber(throughput.meanRps)} rps (peak ${formatNumber(throughput.peakRps)})`,
    `latency   first byte ${percentileLine(latency.overall.firstByte)}`,
    `          last byte  ${percentileLine(latency.overall.lastByte)}`,
    `send lag  ${sendLag.count === 0 ? '(no request sent)' : `p50 ${formatMs(sendLag.p50)}  p99 ${formatMs(sendLag.p99)}  max ${formatMs(sendLag.max)}`}`,
    `bytes     ${formatBytes(totals.bytes.sent)} sent, ${formatBytes(totals.bytes.received)} received`,
  ];
  if (report.stopped !== undefined) {
    // Second, as it says how to read the rest.
    lines.splice(
      1,
      0,
      `stopped   ${report.stopped}: sessions not read from the captures by then are not counted`,
    );
  }
  if (!readsHttpStatus(report))
    lines.push('http      statuses not read: the raw transport sees only TCP/IP headers');
  else if (statuses) lines.push(`http      ${statuses}`);
  return `${lines.join('\n')}\n`;
}

function percentileLine(percentiles: Percentiles): string {
  if (percentiles.count === 0) return '(no responses)';
  const keys = ['p50', 'p90', 'p99', 'p99.9', 'max'] as const;
  return keys.map((key) => `${key} ${formatMs(percentiles[key])}`).join('  ');
}
