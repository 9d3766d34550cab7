/** A private redis-server on a loopback port for tests (redis-server comes from apt, see scripts/setup.sh). */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { unusedPort } from './recording-server.ts';

export interface RedisServer {
  port: number;
  /** Sends one inline command and resolves with the raw reply. */
  command(line: string): Promise<string>;
  stop(): Promise<void>;
}

export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await unusedPort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const command = (line: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
      let reply = '';
      socket.on('data', (d) => {
        reply += d.toString();
        if (reply.endsWith('\r\n')) {
          socket.end();
          resolve(reply);
        }
      });
      socket.on('error', reject);
    });
  for (let i = 0; ; i++) {
    try {
      await command('PING');
      break;
    } catch (err) {
      if (i > 100) {
        child.kill('SIGKILL');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    command,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** Counts the commands (by upper-cased name) in RESP arrays and inline commands. */
export function countRedisCommands(bytes: Buffer): Map<string, number> {
  const text = bytes.toString('latin1');
  const counts = new Map<string, number>();
  let at = 0;
  const line = () => {
    const end = text.indexOf('\r\n', at);
    const value = text.slice(at, end);
    at = end + 2;
    return value;
  };
  while (at < text.length) {
    const first = line();
    let name: string;
    if (first.startsWith('*')) {
      const n = Number(first.slice(1));
      const args: string[] = [];
      for (let i = 0; i < n; i++) {
        const len = Number(line().slice(1));
        args.push(text.slice(at, at + len));
        at += len + 2;
      }
      name = args[0] ?? '';
    } else {
      name = first.split(' ')[0];
    }
    name = name.toUpperCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}
