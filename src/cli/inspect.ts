import { stat } from 'node:fs/promises';
import type { Command } from '@commander-js/extra-typings';
import { readSessions } from '../flow/pipeline.ts';
import { renderText } from '../inspect/render-text.ts';
import { buildReport, InspectCollector, type InspectReport } from '../inspect/report.ts';
import { UserError } from './errors.ts';

export interface InspectOptions {
  /** List every session. */
  sessions?: boolean;
}

/** Reads a whole capture and reports what it holds (throws CaptureError or UserError on bad input). */
export async function inspectCapture(file: string, options: InspectOptions = {}): Promise<InspectReport> {
  await checkIsFile(file);
  const collector = new InspectCollector(options.sessions ?? false);
  const flow = await readSessions(file, collector);
  return buildReport(file, flow, collector);
}

async function checkIsFile(file: string): Promise<void> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (info.isDirectory()) throw new UserError(`${file}: is a directory, not a capture file`);
}

/** Registers `reprise inspect <capture> [--json] [--sessions]`. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Summarize a pcap/pcapng capture: packets, TCP sessions, requests, bytes and anomalies')
    .argument('<capture>', 'pcap or pcapng file (gzip-compressed is fine)')
    .option('--json', 'print one JSON document (see docs/inspect-json.md)')
    .option('--sessions', 'list every TCP session')
    .action(async (capture, options) => {
      const report = await inspectCapture(capture, { sessions: options.sessions });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
    });
}
