/** Helpers shared by the benchmarks: child processes with CPU and peak-RSS accounting, and tables. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RunReport } from '../src/report/schema.ts';

export const ROOT = new URL('..', import.meta.url).pathname;
export const BIN = `${ROOT}bin/reprise.js`;

export interface ProcessStats {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLOCK_TICKS = 100;

export function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

function peakRssMbOf(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Runs a command to completion, sampling its CPU time and peak RSS just before it exits. */
export function measure(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessStats> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    let cpu = 0;
    let rss = 0;
    const sample = () => {
      if (child.pid === undefined) return;
      const c = cpuSecondsOf(child.pid);
      const r = peakRssMbOf(child.pid);
      if (Number.isFinite(c)) cpu = c;
      if (Number.isFinite(r)) rss = r;
    };
    const timer = setInterval(sample, 50);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', () => sample());
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({
        seconds: (performance.now() - t0) / 1000,
        cpuSeconds: cpu,
        peakRssMb: rss,
        code,
        stdout,
        stderr,
      });
    });
  });
}

/** Starts a long-running helper process and resolves with it and the first line it prints. */
export function startProcess(
  command: string,
  args: string[],
): Promise<{ child: ChildProcess; firstLine: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.on('error', reject);
    child.stdout?.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, firstLine: out.slice(0, nl).trim() });
    });
  });
}

export function table(rows: Array<Record<string, string | number>>): string {
  const keys = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) =>
    typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : v;
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(cell(r[k])).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ');
  return [
    line(keys),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(keys.map((k) => String(cell(r[k]))))),
  ].join('\n');
}

/** The number after `name` on the command line (`--mb 250`), if the flag is there. */
export function numberFlag(name: string): number | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : undefined;
}

/**
 * A replay's active window (s): from its first session's start to its last session's end, as a
 * plain client is timed from its first connection (the run's read-ahead before it left out).
 */
export function activeSeconds(report: RunReport): number {
  let startedMs = Number.POSITIVE_INFINITY;
  let endedMs = 0;
  for (const s of report.sessions) {
    startedMs = Math.min(startedMs, s.startedMs ?? startedMs);
    endedMs = Math.max(endedMs, s.endedMs ?? endedMs);
  }
  return (endedMs - startedMs) / 1000;
}
