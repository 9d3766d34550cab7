/** The human-readable form of an inspect report: aligned label/value lines and a session table. */

import { plural } from '../util/plural.ts';
import type { InspectReport, SessionRow } from './report.ts';

const count = new Intl.NumberFormat('en-US');

function n(value: number): string {
  return count.format(value);
}

function counted(value: number, word: string): string {
  return plural(value, word, n);
}

function seconds(us: number): string {
  return `${(us / 1e6).toFixed(6)} s`;
}

function labelled(lines: Array<[string, string]>, indent = ''): string[] {
  const width = Math.max(...lines.map(([label]) => label.length));
  return lines.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`);
}

/** A capture time as an ISO date; one beyond what a date holds (pcapng times are 64-bit) as µs since the epoch. */
function captureDate(us: number): string {
  const date = new Date(us / 1000);
  return Number.isNaN(date.getTime()) ? `${us} µs since the epoch` : date.toISOString();
}

export function renderText(report: InspectReport): string {
  return `${renderTextLines(report).join('\n')}\n`;
}

/** The lines of renderText (without newlines), for writing a long session listing in pieces. */
export function renderTextLines(report: InspectReport): string[] {
  const { tcp } = report;
  const start = report.startUs === null ? '' : ` (from ${captureDate(report.startUs)})`;
  const lines = labelled([
    ['file', report.file],
    ['format', `${report.format}${report.compressed ? ', gzip-compressed' : ''}`],
    [
      'link types',
      report.linkTypes.map((l) => `${l.name} (${l.linkType}): ${counted(l.packets, 'packet')}`).join(', ') ||
        'none',
    ],
    ['packets', n(report.packets)],
    ['duration', `${seconds(report.durationUs)}${start}`],
    [
      'TCP sessions',
      `${n(tcp.sessions)} (${n(tcp.sessionsWithSyn)} with SYN, ${n(tcp.sessionsWithoutSyn)} without), ${counted(tcp.segments, 'segment')}`,
    ],
    [
      'server ports',
      tcp.serverPorts.map((p) => `${p.port} (${counted(p.sessions, 'session')})`).join(', ') || 'none',
    ],
    [
      'requests',
      tcp.requestsInParts > 0
        ? `${n(tcp.requests)} (${n(tcp.requestsInParts)} sent in parts)`
        : n(tcp.requests),
    ],
    ['bytes', `${n(tcp.bytesFromClients)} from clients, ${n(tcp.bytesFromServers)} from servers`],
    [
      'endings',
      `FIN ${n(tcp.endings.fin)}, RST ${n(tcp.endings.rst)}, capture end ${n(tcp.endings['capture-end'])}`,
    ],
  ]);
  const anomalies = anomalyLines(report);
  lines.push('', anomalies.length === 0 ? 'anomalies: none' : 'anomalies:', ...labelled(anomalies, '  '));
  if (report.sessions === undefined) return lines;
  // concat, not push(...rows): spreading 100,000s of rows overflows the stack.
  return lines.concat('', sessionTable(report.sessions, report.startUs ?? 0));
}

function anomalyLines(report: InspectReport): Array<[string, string]> {
  const a = report.anomalies;
  const out: Array<[string, string]> = [];
  const add = (label: string, value: number, detail = '') => {
    if (value > 0) out.push([label, `${n(value)}${detail}`]);
  };
  add('retransmitted client segments', a.retransmissions);
  add('gaps in client data', a.gaps, ` (${counted(a.gapBytes, 'byte')} missing)`);
  add('payload cut by snap length', a.truncatedPayloadSegments, ' client segments');
  for (const w of a.readerWarnings) {
    const where = w.kind === 'gzip-trailing-garbage' ? 'compressed file' : 'capture file';
    out.push([where, `at byte ${w.offset}: ${w.problem}`]);
  }
  for (const [header, value] of Object.entries(a.truncatedHeaders))
    add(`${header} header cut by snap length`, value);
  add('TCP options cut by snap length', a.tcpOptionsCut);
  add('IP length beyond a whole frame', a.ipLengthBeyondFrame, ' packets (read to the frame end)');
  add('IP fragments', a.fragments.seen, ` (${n(a.fragments.reassembled)} datagrams reassembled)`);
  add('fragments given up', a.fragments.timedOut + a.fragments.evicted + a.fragments.rejected);
  add('IPv6 atomic fragments', a.ipv6AtomicFragments);
  const byProtocol = Object.entries(a.nonTcpByProtocol)
    .map(([protocol, value]) => `${protocol} ${n(value)}`)
    .join(', ');
  add('non-TCP packets skipped', a.nonTcpPackets, byProtocol ? ` (${byProtocol})` : '');
  add('non-IP packets skipped', a.notIpPackets);
  add('unsupported link type', a.unsupportedLinkPackets, ' packets');
  for (const [reason, value] of Object.entries(a.malformedPackets)) add(`undecodable (${reason})`, value);
  const largest = (a.largestClockStepBackUs / 1e6).toFixed(1);
  add('clock steps back', a.clockStepsBack, ` (${a.clockStepsBack > 1 ? 'largest' : 'by'} ${largest} s)`);
  return out;
}

/** "fin (client)", "rst (server)"; a reset after the other side's FIN says both ("fin (client), rst (server)"). */
function endingText(r: SessionRow): string {
  if (r.endedBy === null) return r.ending;
  if (r.ending !== 'rst' || r.resetBy === null || r.resetBy === r.endedBy)
    return `${r.ending} (${r.endedBy})`;
  return `fin (${r.endedBy}), rst (${r.resetBy})`;
}

function sessionTable(rows: SessionRow[], captureStartUs: number): string[] {
  const header = [
    'id',
    'client',
    '',
    'server',
    'start',
    'duration',
    'requests',
    'client bytes',
    'server bytes',
    'handshake',
    'ended',
  ];
  const right = new Set([0, 4, 5, 6, 7, 8]);
  const cells = rows.map((r) => [
    String(r.id),
    r.client,
    '->',
    r.server,
    `+${((r.startUs - captureStartUs) / 1e6).toFixed(3)}s`,
    `${(r.durationUs / 1e6).toFixed(3)}s`,
    n(r.requests),
    n(r.bytesFromClient),
    n(r.bytesFromServer),
    r.handshake ? 'yes' : 'no',
    endingText(r),
  ]);
  // A loop, not Math.max(...column): spreading a column of 100,000s of sessions overflows the stack.
  const widths = header.map((h) => h.length);
  for (const row of cells) {
    for (let i = 0; i < row.length; i++) if (row[i].length > widths[i]) widths[i] = row[i].length;
  }
  const format = (row: string[]) =>
    row
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [format(header)].concat(cells.map(format));
}
