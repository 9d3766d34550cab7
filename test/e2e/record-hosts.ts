import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';

/**
 * Two test hosts joined by a veth pair, each in a network namespace this process creates:
 * `server` (10.79.<n>.1 on <tag>s) and `client` (10.79.<n>.2 on <tag>c). Nothing here touches the
 * machine's own interfaces; `close()` deletes both namespaces (and so the veth pair).
 */
export interface TwoHosts {
  server: string;
  client: string;
  serverIp: string;
  clientIp: string;
  serverDevice: string;
  clientDevice: string;
  close(): void;
}

export function skipReasonWithoutRoot(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'needs the ip command (iproute2)';
  }
  return undefined;
}

let made = 0;

export function makeTwoHosts(purpose: string): TwoHosts {
  const n = (process.pid + made++) % 250;
  const tag = `rp${purpose.slice(0, 4)}${process.pid % 100000}${made}`;
  const server = `rp-${purpose}-${process.pid}-${made}-s`;
  const client = `rp-${purpose}-${process.pid}-${made}-c`;
  const serverDevice = `${tag}s`.slice(-15);
  const clientDevice = `${tag}c`.slice(-15);
  const serverIp = `10.79.${n}.1`;
  const clientIp = `10.79.${n}.2`;
  const hosts: TwoHosts = {
    server,
    client,
    serverIp,
    clientIp,
    serverDevice,
    clientDevice,
    close() {
      for (const ns of [server, client]) {
        try {
          execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
        } catch {}
      }
    },
  };
  try {
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
    ip('netns', 'add', server);
    ip('netns', 'add', client);
    ip(
      '-n',
      server,
      'link',
      'add',
      serverDevice,
      'type',
      'veth',
      'peer',
      'name',
      clientDevice,
      'netns',
      client,
    );
    ip('-n', server, 'addr', 'add', `${serverIp}/24`, 'dev', serverDevice);
    ip('-n', client, 'addr', 'add', `${clientIp}/24`, 'dev', clientDevice);
    for (const [ns, dev] of [
      [server, serverDevice],
      [client, clientDevice],
    ]) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
  } catch (err) {
    hosts.close();
    throw err;
  }
  return hosts;
}

export function spawnIn(ns: string, command: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runIn(ns: string, command: string, args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8', stdio: 'pipe' });
}

/** Collects a child's output and resolves with it and its exit status when it ends. */
export function finished(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves once `text` appears in the child's stderr (or stdout), or rejects after `ms`. */
export function waitForOutput(child: ChildProcess, text: string | RegExp, ms = 10000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${text}; saw: ${seen}`)), ms);
    const check = (d: Buffer) => {
      seen += d.toString();
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
  });
}

export function killIfRunning(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
}

const root = new URL('../..', import.meta.url).pathname;

/** Starts `reprise record` inside a namespace and resolves once it is capturing. */
export async function startRecorder(ns: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, `${root}bin/reprise.js`, 'record', '--no-tui', ...args],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await waitForOutput(child, /capturing on|reprise: /, 30000);
  return child;
}

/** Starts tcpdump inside a namespace, writing every packet at once (-U), and resolves once it listens. */
export async function startTcpdump(ns: string, args: string[]): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-U', '-n', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForOutput(child, 'listening on', 10000);
  return child;
}

/** An HTTP server (node) in a namespace answering every request with `ok <path>`. */
export async function startHttpServer(ns: string, ip: string, port: number): Promise<ChildProcess> {
  const code = `require('http').createServer((q, r) => r.end('ok ' + q.url)).listen(${port}, '${ip}', () => console.log('ready'))`;
  const child = spawnIn(ns, process.execPath, ['-e', code]);
  await waitForOutput(child, 'ready');
  return child;
}

/** Sends `count` HTTP GETs, one connection each, one after the other; resolves with the bodies. */
export function httpRequests(ns: string, url: string, count: number, delayMs = 0): string {
  const code = `
    const http = require('http');
    const bodies = [];
    (async () => {
      for (let i = 0; i < ${count}; i++) {
        bodies.push(await new Promise((resolve, reject) => {
          http.get('${url}/r' + i, { agent: false }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve(body));
          }).on('error', reject);
        }));
        await new Promise((r) => setTimeout(r, ${delayMs}));
      }
      console.log(JSON.stringify(bodies));
    })();`;
  return runIn(ns, process.execPath, ['-e', code]);
}

/** tcpdump -r: the packets of a file as text lines (exit status checked: the file must be readable). */
export function tcpdumpRead(file: string, args: string[] = []): { lines: string[]; stderr: string } {
  const result = spawnSync('tcpdump', ['-r', file, '-nn', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tcpdump -r ${file} failed: ${result.stderr}`);
  return { lines: result.stdout.split('\n').filter((l) => l !== ''), stderr: result.stderr };
}
