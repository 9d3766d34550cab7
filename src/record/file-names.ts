import { extname, join } from 'node:path';

/**
 * Names of the files a recording writes.
 *
 * Without -w: `recordings/<device>[-port<N>]-<start, UTC, basic ISO 8601>.pcap`, e.g.
 * `recordings/eth0-port8080-20261121T213000Z.pcap`.
 *
 * With rotation (-C), every file carries a 4-digit sequence number before the extension:
 * `rec.pcap` becomes `rec.0001.pcap`, `rec.0002.pcap`, ... (more digits past 9999), so the names
 * sort in recording order. A ring (-W n) keeps the n newest files and deletes older ones, instead
 * of overwriting in place as tcpdump does.
 */

export const DEFAULT_RECORDINGS_DIR = 'recordings';

export function defaultRecordingPath(
  device: string,
  filter: string,
  start: Date,
  dir = DEFAULT_RECORDINGS_DIR,
): string {
  const port = /\bport\s+(\d+)\b/.exec(filter)?.[1];
  const stamp = start
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const safeDevice = device.replace(/[^A-Za-z0-9_.-]/g, '_');
  return join(dir, `${safeDevice}${port ? `-port${port}` : ''}-${stamp}.pcap`);
}

export function rotatedPath(path: string, sequence: number): string {
  const ext = extname(path);
  const stem = ext === '' ? path : path.slice(0, -ext.length);
  return `${stem}.${String(sequence).padStart(4, '0')}${ext}`;
}
