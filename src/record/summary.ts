import type { InspectReport } from '../inspect/report.ts';
import { formatBytes, formatDuration } from '../tui/format.ts';
import { plural } from '../util/plural.ts';
import type { StopReason } from './control.ts';
import type { RecordingResult } from './recorder.ts';

const stopReasons: Record<StopReason, string> = {
  count: 'packet count reached',
  duration: 'duration reached',
  interrupted: 'interrupted',
  terminated: 'terminated (SIGTERM)',
  hangup: 'hung up (SIGHUP)',
  'write-failed': 'writing failed',
  'capture-failed': 'the capture failed',
};

/** libpcap's received count takes a loopback packet twice (as sent and as received), delivers it once. */
const countedTwice: Record<string, string> = {
  lo: ' (on lo each packet counts twice: as sent and as received)',
  any: ' (a loopback packet counts twice: as sent and as received)',
};

/** The end-of-recording report (plain text, for stderr): why it stopped, what it wrote, what libpcap saw. */
export function formatRecordingSummary(result: RecordingResult): string[] {
  const kept = result.files.filter((f) => !f.deleted);
  const deleted = result.files.length - kept.length;
  const lines = [
    `stopped: ${stopReasons[result.stopReason]} after ${formatDuration(result.elapsedMs)}`,
    `wrote ${result.packets} packets, ${formatBytes(result.bytes)} in ${plural(result.files.length, 'file')}` +
      (deleted > 0 ? ` (${deleted} oldest deleted by the ring, ${kept.length} kept)` : ''),
  ];
  for (const file of kept) lines.push(`  ${file.path}: ${file.packets} packets, ${formatBytes(file.bytes)}`);
  lines.push(
    `libpcap: ${result.received} packets received${countedTwice[result.device] ?? ''}, ${result.dropped} dropped, ${result.ifDropped === null ? 'interface drops unknown' : `${result.ifDropped} dropped by the interface`}`,
  );
  if (result.unread > 0)
    lines.push(
      // On 'any', loopback packets count twice in libpcap's figures, which the unread count comes from.
      `unread: ${result.device === 'any' ? 'up to ' : ''}${plural(result.unread, 'packet')} still in the kernel's buffer when the drain after the stop ran out of time: not written (some may be from before the stop)`,
    );
  if (result.error !== null)
    lines.push(`error: ${result.error}; the files hold every complete record written before it`);
  return lines;
}

/** One line per recorded file, from `reprise inspect`'s report of it. */
export function formatInspectLine(report: InspectReport): string {
  const { tcp } = report;
  const ports = tcp.serverPorts
    .slice(0, 5)
    .map((p) => `${p.port} (${p.sessions})`)
    .join(', ');
  return (
    `inspect ${report.file}: ${plural(report.packets, 'packet')}, ${plural(tcp.sessions, 'TCP session')} ` +
    `(${tcp.sessionsWithSyn} with SYN), ${plural(tcp.requests, 'request')}${ports ? `, server ports ${ports}` : ''}`
  );
}
