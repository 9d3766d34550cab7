/**
 * What the capture tests run on two hosts (test/helpers/netns.ts): HTTP servers on the server host
 * and a client on the other, `reprise record` and tcpdump on the server host, and tcpdump to read
 * the files back.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTwoHosts, type TwoHosts, waitForOutput } from './netns.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const REPRISE = join(ROOT, 'bin/reprise.js');

/** Two hosts with an HTTP server on each of `ports` on the server host, and a scratch directory. */
export interface HttpHosts extends TwoHosts {
  dir: string;
}

/** Builds the hosts and starts the servers; `close()` also removes the directory. */
export async function startHttpHosts(purpose: string, ports: number[]): Promise<HttpHosts> {
  const two = buildTwoHosts(purpose);
  const dir = mkdtempSync(join(tmpdir(), `rp-${purpose}-`));
  const hosts: HttpHosts = {
    ...two,
    dir,
    async close() {
      await two.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const port of ports) await startHttpServer(hosts, port);
  } catch (err) {
    await hosts.close();
    throw err;
  }
  return hosts;
}

/** An HTTP server (node) on the server host answering every request with `ok <path>`. */
async function startHttpServer(hosts: TwoHosts, port: number): Promise<ChildProcess> {
  const code = `require('http').createServer((q, r) => r.end('ok ' + q.url)).listen(${port}, '${hosts.serverIp}', () => console.log('ready'))`;
  const child = hosts.spawn(hosts.server, process.execPath, ['-e', code]);
  await waitForOutput(child, 'ready');
  return child;
}

/**
 * Sends `count` HTTP GETs from the client host to `port` on the server host, one connection each,
 * one after the other; returns the bodies.
 */
export function httpRequests(hosts: TwoHosts, port: number, count: number, delayMs = 0): string[] {
  const code = `
    const http = require('http');
    const bodies = [];
    (async () => {
      for (let i = 0; i < ${count}; i++) {
        bodies.push(await new Promise((resolve, reject) => {
          http.get('http://${hosts.serverIp}:${port}/r' + i, { agent: false }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve(body));
          }).on('error', reject);
        }));
        await new Promise((r) => setTimeout(r, ${delayMs}));
      }
      console.log(JSON.stringify(bodies));
    })();`;
  return JSON.parse(hosts.run(hosts.client, process.execPath, ['-e', code])) as string[];
}

/**
 * Starts `reprise record -i <server device> -w <output>` on the server host and resolves once it is
 * capturing.
 */
export async function startRecorder(hosts: TwoHosts, output: string, args: string[]): Promise<ChildProcess> {
  const child = hosts.spawn(
    hosts.server,
    process.execPath,
    [REPRISE, 'record', '--no-tui', '-i', hosts.serverDevice, '-w', output, ...args],
    ROOT,
  );
  await waitForOutput(child, /capturing on|reprise: /, 30000);
  return child;
}

/**
 * Starts tcpdump on the server host, writing every packet at once (-U), and resolves once it listens.
 * --immediate-mode: otherwise libpcap hands packets over per ring block, after up to a second, and
 * a SIGINT before that leaves them "received by filter" but never captured.
 */
export async function startTcpdump(hosts: TwoHosts, args: string[]): Promise<ChildProcess> {
  const child = hosts.spawn(hosts.server, 'tcpdump', ['-U', '--immediate-mode', '-n', ...args]);
  await waitForOutput(child, 'listening on', 10000);
  return child;
}

/** tcpdump -r: the packets of a file as text lines (exit status checked: the file must be readable). */
export function tcpdumpRead(file: string, args: string[] = []): { lines: string[]; stderr: string } {
  const result = spawnSync('tcpdump', ['-r', file, '-nn', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tcpdump -r ${file} failed: ${result.stderr}`);
  return { lines: result.stdout.split('\n').filter((l) => l !== ''), stderr: result.stderr };
}
