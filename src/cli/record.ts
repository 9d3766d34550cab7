import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { linkTypeName } from '../capture/link-type-name.ts';
import { DEFAULT_BUFFER_SIZE, LiveCaptureError } from '../capture/live.ts';
import { type RecordFlags, resolveRecordOptions } from '../record/options.ts';
import { Recorder, type RecorderOptions, RecordOutputError } from '../record/recorder.ts';
import type { RecordStats } from '../record/stats.ts';
import { formatInspectLine, formatRecordingSummary } from '../record/summary.ts';
import { startRecordLiveView } from '../tui/live-views.ts';
import type { RecordProgress } from '../tui/progress.ts';
import { dieOfHangup, ignoreTerminalWriteErrors } from '../util/hangup.ts';
import { UserError } from '../util/user-error.ts';
import { inspectCapture } from './inspect.ts';

/** Registers `reprise record`: live capture into pcap files, with tcpdump's flag letters. */
export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('Capture live traffic with libpcap into pcap files that reprise replays and tcpdump reads.')
    .argument('[filter...]', "BPF filter expression, as with tcpdump (e.g. 'tcp port 8080')")
    .option('-i, --interface <device>', "device to capture on; 'any' for all (default: any)")
    .option('-f, --filter <expression>', 'BPF filter, instead of trailing arguments')
    .option(
      '-w, --write <file>',
      "output file, '-' for stdout (default: recordings/<device>-port<N>-<UTC time>.pcap)",
    )
    .option(
      '-s, --snaplen <bytes>',
      'bytes kept per packet, at least 96; 0 or unset: whole packets (up to 262144)',
    )
    .option('-c, --count <n>', 'stop after n packets')
    .option('-G, --duration <seconds>', 'stop after this many seconds (unlike tcpdump -G, which rotates)')
    .option(
      '-C, --file-size <MB>',
      'rotate: start a new file before this one exceeds MB (10^6 bytes); files become name.0001.pcap, name.0002.pcap, ...',
    )
    .option('-W, --file-count <n>', 'with -C: keep only the n newest files (a ring; older ones are deleted)')
    .option(
      '-B, --buffer-size <KiB>',
      `kernel capture buffer in KiB (default: ${DEFAULT_BUFFER_SIZE / 1024})`,
    )
    .option('--nano', 'write nanosecond timestamps')
    .option('--no-tui', 'print plain progress lines even on a terminal')
    .action(async (filterWords, flags) => {
      process.exitCode = await runRecord(filterWords, flags);
    });
}

async function runRecord(filterWords: string[], flags: RecordFlags & { tui: boolean }): Promise<number> {
  const options = resolveRecordOptions(flags, filterWords, new Date());
  if (flags.write === undefined) makeRecordingsDirectory(dirname(options.output));
  let recorder: Recorder;
  try {
    recorder = Recorder.start(options);
  } catch (err) {
    if (err instanceof LiveCaptureError || err instanceof RecordOutputError) throw new UserError(err.message);
    throw err;
  }
  ignoreTerminalWriteErrors();
  const onTerminate = () => recorder.stop('terminated');
  // A hangup may come while an earlier stop (Ctrl-C) drains: the terminal is gone all the same.
  let hungUp = false;
  const onHangup = () => {
    hungUp = true;
    recorder.stop('hangup');
  };
  const onInterrupt = () => recorder.stop('interrupted');
  process.on('SIGTERM', onTerminate);
  process.on('SIGHUP', onHangup);
  // Caught from the moment the start line is out, before the live view takes Ctrl-C over: a signal
  // is handed to the listeners there are when the event loop gets to it.
  process.on('SIGINT', onInterrupt);
  process.stderr.write(`reprise record: ${startLine(options, recorder)}\n`);
  const view = startRecordLiveView(
    () => toProgress(recorder.stats()),
    { onStop: onInterrupt },
    flags.tui ? {} : { interactive: false },
  );
  process.off('SIGINT', onInterrupt);
  const result = await recorder.finished;
  // After a hangup the terminal is gone: giving it back fails (EIO), and nobody is there to care.
  await view.stop().catch((err: unknown) => {
    if (!hungUp) throw err;
  });
  process.off('SIGTERM', onTerminate);
  process.off('SIGHUP', onHangup);
  for (const line of formatRecordingSummary(result)) process.stderr.write(`reprise record: ${line}\n`);
  for (const file of result.files) {
    // Not /dev/null, nor a FIFO, whose reading would wait forever for a writer.
    if (file.deleted || file.packets === 0 || !isRegularFile(file.path)) continue;
    const report = await inspectCapture(file.path);
    process.stderr.write(`reprise record: ${formatInspectLine(report)}\n`);
  }
  if (hungUp) dieOfHangup();
  return result.error === null ? 0 : 1;
}

function makeRecordingsDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UserError(
      `cannot create the recordings directory ${resolve(dir)} (${(err as Error).message}); name the output file with -w`,
    );
  }
}

function isRegularFile(path: string): boolean {
  return path !== '-' && (statSync(path, { throwIfNoEntry: false })?.isFile() ?? false);
}

function startLine(options: RecorderOptions, recorder: Recorder): string {
  const stats = recorder.stats();
  const rotation =
    options.rotateBytes === undefined
      ? ''
      : `, a new file every ${options.rotateBytes / 1e6} MB${options.ringFiles ? `, keeping ${options.ringFiles}` : ''}`;
  return (
    `capturing on ${options.device} (link type ${linkTypeName(recorder.linkType) ?? recorder.linkType}, snapshot length ${options.snapLength})` +
    `${options.filter ? `, filter '${options.filter}'` : ''}, writing to ${stats.file === '-' ? 'stdout' : stats.file}${rotation}`
  );
}

/** The Ink view's progress shape. */
function toProgress(stats: RecordStats): RecordProgress {
  return {
    packets: stats.packets,
    bytes: stats.bytes,
    packetsPerSecond: stats.packetsPerSecond,
    sessionsSeen: stats.sessionsNew,
    sessionsActive: stats.sessionsActive,
    serverPorts: stats.serverPorts,
    dropped: stats.dropped,
    fileName: stats.file,
    fileBytes: stats.fileBytes,
    ...(stats.rotateBytes !== null ? { rotationIndex: stats.fileSequence - 1 } : {}),
    elapsedMs: stats.elapsedMs,
  };
}
