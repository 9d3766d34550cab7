import type { Command } from '@commander-js/extra-typings';
import { readSessions } from '../flow/pipeline.ts';
import { renderJson } from '../inspect/render-json.ts';
import { renderTextLines } from '../inspect/render-text.ts';
import { buildReport, InspectCollector, type InspectReport } from '../inspect/report.ts';
import { writePieces } from '../inspect/write-out.ts';

export interface InspectOptions {
  /** List every session. */
  sessions?: boolean;
}

/** Reads a whole capture and reports what it holds (a CaptureError says why a file cannot be read). */
export async function inspectCapture(file: string, options: InspectOptions = {}): Promise<InspectReport> {
  const collector = new InspectCollector(options.sessions ?? false);
  const flow = await readSessions(file, collector);
  return buildReport(file, flow, collector);
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
      // In pieces: a capture of a million sessions makes a listing longer than a string can be.
      const pieces = options.json ? renderJson(report) : withNewlines(renderTextLines(report));
      await writePieces(process.stdout, pieces);
    });
}

function* withNewlines(lines: readonly string[]): Generator<string, void, undefined> {
  for (const line of lines) yield `${line}\n`;
}
