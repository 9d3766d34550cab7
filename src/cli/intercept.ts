import type { Command } from '@commander-js/extra-typings';
import { LiveCaptureError, MAX_BUFFER_KIB } from '../capture/live.ts';
import { type AllowList, AllowListError, parseAllowList } from '../intercept/allow-list.ts';
import { DEFAULT_PCAP_BUFFER_KIB, LiveResponseSource } from '../intercept/capture.ts';
import { InterceptListenError, InterceptServer } from '../intercept/server.ts';
import { formatTotals, type InterceptSnapshot } from '../intercept/stats.ts';
import { DEFAULT_INTERCEPT_PORT } from '../intercept/wire.ts';
import { startInterceptLiveView } from '../tui/live-views.ts';
import type { InterceptProgress } from '../tui/progress.ts';
import { TerminalLog } from '../tui/terminal-log.ts';
import { UserError } from '../util/user-error.ts';
import { integerInRange, repeatableList } from './parse.ts';

/** Registers `reprise intercept`: the tcpcopy-compatible response router. */
export function registerIntercept(program: Command): void {
  program
    .command('intercept')
    .description(
      "capture the target's responses and send their headers to the replayers (tcpcopy 1.x intercept protocol)",
    )
    .requiredOption('-i, --interface <device>', 'capture device (any: all devices), as record takes it')
    .requiredOption(
      '-F, --filter <bpf>',
      "BPF filter selecting the target's responses, e.g. 'tcp and src port 8080'",
    )
    .option(
      '-p, --port <port>',
      'port replayers connect to',
      (t) => integerInRange('-p', t, 1, 65535),
      DEFAULT_INTERCEPT_PORT,
    )
    .option('-b, --bind <address>', 'address to listen on', '0.0.0.0')
    .option(
      '--allow <cidrs>',
      'only replayers from these addresses may connect (comma-separated, e.g. 10.77.0.0/24,127.0.0.1; repeatable)',
      repeatableList,
    )
    .option(
      '-B, --buffer-size <KiB>',
      'kernel capture buffer in KiB (as record and tcpdump take it); larger rides out longer stalls without losing responses',
      (t) => integerInRange('-B', t, 1, MAX_BUFFER_KIB),
      DEFAULT_PCAP_BUFFER_KIB,
    )
    .option('--no-tui', 'print plain status lines even on a terminal')
    .action(async (opts) => {
      await runIntercept({
        device: opts.interface,
        filter: opts.filter,
        port: opts.port,
        bind: opts.bind,
        allow: opts.allow === undefined ? undefined : parseAllow(opts.allow),
        bufferBytes: opts.bufferSize * 1024,
        tui: opts.tui,
      });
    });
}

interface InterceptCommandOptions {
  device: string;
  filter: string;
  port: number;
  bind: string;
  allow: AllowList | undefined;
  bufferBytes: number;
  tui: boolean;
}

async function runIntercept(opts: InterceptCommandOptions): Promise<void> {
  if (opts.filter.trim() === '')
    throw new UserError('-F: the filter is empty; give one, e.g. "tcp and src port 8080"');
  const terminalLog = new TerminalLog();
  const log = terminalLog.write;
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  let captureFailure: Error | undefined;
  let server: InterceptServer;
  try {
    server = await InterceptServer.start({
      host: opts.bind,
      port: opts.port,
      allow: opts.allow,
      source: new LiveResponseSource(opts.device, opts.filter, opts.bufferBytes),
      log,
      onFailure: (error) => {
        captureFailure = error;
        stopRequested();
      },
    });
  } catch (err) {
    if (err instanceof LiveCaptureError || err instanceof InterceptListenError)
      throw new UserError(err.message);
    throw err;
  }
  log(
    `intercept listening on ${server.snapshot().listening}, capturing on ${opts.device} with filter '${opts.filter}'` +
      (opts.allow ? `, allowing ${opts.allow.text}` : ''),
  );

  const view = startInterceptLiveView(
    () => toProgress(server.snapshot()),
    { onStop: () => stopRequested() },
    {
      ...(opts.tui ? {} : { interactive: false }),
    },
  );
  // Logs redirected away from the terminal (2>intercept.log) are not in the view's way.
  if (view.interactive && process.stderr.isTTY) terminalLog.hold();
  const onSigterm = () => stopRequested();
  process.on('SIGTERM', onSigterm);
  await stopped;
  process.off('SIGTERM', onSigterm);
  try {
    await view.stop();
  } finally {
    terminalLog.release();
  }
  await server.close();
  process.stderr.write(`${formatTotals(server.snapshot())}\n`);
  if (captureFailure) throw new UserError(`${captureFailure.message}; intercept stopped`, 1);
}

/** The live view's props, from the intercept's snapshot. */
function toProgress(s: InterceptSnapshot): InterceptProgress {
  return {
    replayersConnected: s.replayers,
    totals: s.totals,
    perSecond: s.perSecond,
    routesActive: s.routesActive,
    uptimeMs: s.uptimeMs,
  };
}

function parseAllow(text: string): AllowList {
  try {
    return parseAllowList(text);
  } catch (err) {
    if (err instanceof AllowListError) throw new UserError(err.message);
    throw err;
  }
}
