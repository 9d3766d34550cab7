/**
 * The pieces every raw-transport end-to-end test uses: the logging HTTP target, intercept on the
 * assist host (or on the target), and the replay runner in the replay namespace.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openCaptureFeed } from '../../src/replay/flow-feed.ts';
import { HOST_DEVICE, type TestHosts, waitForOutput } from '../helpers/netns.ts';
import type { RunnerConfig } from './raw-replay-runner.ts';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const REPRISE = fileURLToPath(new URL('../../bin/reprise.js', import.meta.url));
export const CORPUS = '/work/shared/corpus/files';

export interface LoggedRequest {
  address: string;
  port: number;
  method: string;
  url: string;
  body: number;
}

export interface HttpTarget {
  process: ChildProcess;
  requests(): LoggedRequest[];
}

export async function startHttpTarget(hosts: TestHosts, port = 8080): Promise<HttpTarget> {
  const child = hosts.spawn(hosts.target, process.execPath, [
    '--import',
    'tsx',
    here('./raw-http-log-server.ts'),
    String(port),
  ]);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitForOutput(child, `listening on ${port}`);
  return {
    process: child,
    requests: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LoggedRequest),
  };
}

export async function startIntercept(
  hosts: TestHosts,
  ns: string,
  filter = 'tcp and src port 8080',
  device = HOST_DEVICE,
): Promise<ChildProcess> {
  const child = hosts.spawn(ns, process.execPath, [
    REPRISE,
    'intercept',
    '-i',
    device,
    '-F',
    filter,
    '--no-tui',
  ]);
  await waitForOutput(child, 'intercept listening', 15_000);
  return child;
}

export interface RunnerSession {
  id: number;
  copy: number;
  outcome: string;
  reason?: string;
  replayedFrom?: string;
  requestsPlanned: number;
  sent: number;
  answered: number;
}

export interface RunnerResult {
  sessions: RunnerSession[];
  warnings: string[];
  transport: { sessionsStarted: number; records: number; unroutable: number; badRecords: number };
  sender: { sent: number; failed: number; errors: Record<string, number> };
  stderr: string;
}

/** Runs the replay in the replay namespace; resolves with its result (rejects when it failed). */
export function runReplay(
  hosts: TestHosts,
  config: RunnerConfig,
  onStart?: (child: ChildProcess) => void,
): Promise<RunnerResult> {
  const child = hosts.spawn(hosts.replay, process.execPath, [
    '--import',
    'tsx',
    here('./raw-replay-runner.ts'),
    JSON.stringify(config),
  ]);
  onStart?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) reject(new Error(`replay exited with ${code} and no result; stderr: ${stderr}`));
      else resolve({ ...(JSON.parse(line.slice(7)) as Omit<RunnerResult, 'stderr'>), stderr });
    });
  });
}

const REQUEST_LINE = /(?:^|\r\n\r\n)(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH) (\S+) HTTP\/1\.[01]\r\n/g;

/** `METHOD url` of every HTTP request the capture's clients sent to `serverPort`, sorted. */
export async function capturedHttpRequests(path: string, serverPort: number): Promise<string[]> {
  const lines: string[] = [];
  const feed = await openCaptureFeed(
    path,
    {
      sessionOpened() {},
      requestCompleted(session, request) {
        if (session.server.port !== serverPort) return;
        for (const m of request.data.toString('latin1').matchAll(REQUEST_LINE)) lines.push(`${m[1]} ${m[2]}`);
      },
      sessionClosed() {},
    },
    () => {},
  );
  while (await feed.step()) {}
  await feed.close();
  return lines.sort();
}

export function requestLines(requests: LoggedRequest[]): string[] {
  return requests.map((r) => `${r.method} ${r.url}`).sort();
}
