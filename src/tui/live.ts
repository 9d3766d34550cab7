/**
 * Shows a command's progress while it runs: an Ink view redrawn from a snapshot a few times a
 * second on a terminal, or a plain line every few seconds on stderr otherwise (CI, a pipe).
 *
 * Stopping: `q` or Ctrl-C in the view, or SIGINT when the terminal is not in raw mode, call
 * `onStop` once; the caller winds down, then calls `stop()`. A second SIGINT exits at once.
 */

import type { ComponentType } from 'react';
import type { StopHandlers } from './progress.ts';
import { colourRefused, isInteractiveTerminal } from './terminal.ts';

export interface LiveViewOptions<P, H extends StopHandlers> {
  /** Called on every refresh: keep it cheap and side-effect free. */
  snapshot: () => P;
  /**
   * Loads the Ink view. Ink, React and the layout engine are loaded only when a view is really
   * mounted: off a terminal they would cost ~2 s of start-up and ~50 MB for nothing.
   */
  loadView: () => Promise<ComponentType<H & { progress: P }>>;
  handlers: H;
  /** The line printed instead of the view off a terminal. */
  formatLine: (progress: P) => string;
  /** View refresh period on a terminal. */
  intervalMs?: number;
  /** Period of the plain lines off a terminal. */
  lineIntervalMs?: number;
  /** false prints plain lines even on a terminal (`--no-tui`); the view needs a terminal regardless. */
  interactive?: boolean;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

export interface LiveViewHandle {
  /** True when the Ink view is mounted, false when printing plain lines. */
  readonly interactive: boolean;
  /**
   * Resolves once the view is on screen. Loading Ink takes a moment; a caller whose timing
   * matters (a replay) waits for it before starting, so that the load does not delay sends.
   */
  readonly ready: Promise<void>;
  /** Draws the final state, restores the terminal and removes the SIGINT handler. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_INTERVAL_MS = 250;
const DEFAULT_LINE_INTERVAL_MS = 3000;
const EXIT_CODE_SIGINT = 130;

export function startLiveView<P, H extends StopHandlers>(options: LiveViewOptions<P, H>): LiveViewHandle {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const interactive = options.interactive !== false && isInteractiveTerminal(stdin, stdout);

  let stopRequested = false;
  const requestStop = () => {
    if (stopRequested) return;
    stopRequested = true;
    options.handlers.onStop();
    // Give the terminal back now: the caller may take a while to wind down and report.
    if (interactive) void display.close();
  };

  const display = interactive
    ? mountView(options, stdin, stdout, stderr, requestStop)
    : printLines(options, stderr);

  const onSigint = () => {
    if (stopRequested) process.exit(EXIT_CODE_SIGINT);
    if (!interactive) stderr.write('stopping (Ctrl-C again to exit at once)\n');
    requestStop();
  };
  process.on('SIGINT', onSigint);

  let stopped: Promise<void> | undefined;
  return {
    interactive,
    ready: display.ready,
    stop() {
      stopped ??= (async () => {
        process.off('SIGINT', onSigint);
        await display.close();
      })();
      return stopped;
    },
  };
}

interface Display {
  ready: Promise<void>;
  /** Shows the latest snapshot one last time and releases the terminal. Idempotent. */
  close(): Promise<void>;
}

function mountView<P, H extends StopHandlers>(
  options: LiveViewOptions<P, H>,
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
  onStop: () => void,
): Display {
  // Ink colours through chalk, which heeds FORCE_COLOR but not NO_COLOR, when it is first loaded.
  if (colourRefused()) process.env.FORCE_COLOR = '0';
  const mounted = (async () => {
    const [{ render }, { createElement }, View] = await Promise.all([
      import('ink'),
      import('react'),
      options.loadView(),
    ]);
    const element = () => createElement(View, { ...options.handlers, onStop, progress: options.snapshot() });
    const instance = render(element(), { stdin, stdout, stderr, exitOnCtrlC: false, patchConsole: false });
    const timer = setInterval(() => instance.rerender(element()), options.intervalMs ?? DEFAULT_INTERVAL_MS);
    timer.unref();
    return { instance, timer, element, exited: instance.waitUntilExit() };
  })();
  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= (async () => {
      const { instance, timer, element, exited } = await mounted;
      clearInterval(timer);
      instance.rerender(element());
      instance.unmount();
      await exited;
    })();
    return closing;
  }
  return { ready: mounted.then(() => {}), close };
}

function printLines<P, H extends StopHandlers>(
  options: LiveViewOptions<P, H>,
  stderr: NodeJS.WriteStream,
): Display {
  const print = () => stderr.write(`${options.formatLine(options.snapshot())}\n`);
  const timer = setInterval(print, options.lineIntervalMs ?? DEFAULT_LINE_INTERVAL_MS);
  timer.unref();
  let closed = false;
  return {
    ready: Promise.resolve(),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      print();
    },
  };
}
