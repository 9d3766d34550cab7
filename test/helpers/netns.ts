/**
 * Test hosts for the raw transport, as DESIGN.md draws them, each a network namespace this
 * process creates (unique names), joined pairwise by veth links (no bridge: one hop less per
 * packet, and on one machine every hop is CPU time spent inside the sender's syscall):
 *
 *   replay 10.77.0.1   runs the replayer
 *   target 10.77.0.2   the server under test; routes the client pool via 10.77.0.3
 *   assist 10.77.0.3   runs reprise intercept; ip_forward = 0 (a black hole for the pool)
 *
 *   replay eth0 <-> eth0 target eth1 <-> eth0 assist eth1 <-> eth1 replay
 *
 * So `eth0` is the replay host's device toward the target, and the assist host's device on which
 * the target's responses arrive. Each host holds its address (/32) on both of its devices, with a
 * host route to each peer. With `interceptOnTarget`, the target instead routes the pool into a
 * black-hole device of its own (`bh0`, a veth end with ARP off) where an intercept on the target
 * captures. `close()` kills every process started through `spawn` (by PID) and deletes the
 * namespaces; it runs also when building fails half-way.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

export const REPLAY_IP = '10.77.0.1';
export const TARGET_IP = '10.77.0.2';
export const ASSIST_IP = '10.77.0.3';
export const CLIENT_POOL = '10.78.0.0/24';
export const HOST_DEVICE = 'eth0';
export const BLACK_HOLE_DEVICE = 'bh0';

export interface TestHosts {
  replay: string;
  target: string;
  assist: string;
  /** Runs a command in a host's namespace and returns its stdout. */
  run(ns: string, command: string, args: string[]): string;
  /** Starts a command in a host's namespace; it is killed by `close()`. */
  spawn(ns: string, command: string, args: string[]): ChildProcess;
  close(): Promise<void>;
}

/** A namespace and one of its devices. */
type Endpoint = [string, string];

export interface TestHostsOptions {
  interceptOnTarget?: boolean;
}

export function skipReasonWithoutNetns(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'needs the ip command (iproute2)';
  }
  return undefined;
}

let built = 0;

export function buildTestHosts(purpose: string, options: TestHostsOptions = {}): TestHosts {
  built++;
  const name = (role: string) => `rp-${purpose}-${process.pid}-${built}-${role}`;
  const hosts = { replay: name('replay'), target: name('target'), assist: name('assist') };
  const children = new Set<ChildProcess>();
  const created: string[] = [];
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  const run = (ns: string, command: string, args: string[]) =>
    execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8', stdio: 'pipe' });

  const close = async () => {
    await Promise.all([...children].map(stop));
    for (const ns of created.reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {}
    }
  };

  try {
    for (const ns of [hosts.replay, hosts.target, hosts.assist]) {
      ip('netns', 'add', ns);
      created.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    const address = { [hosts.replay]: REPLAY_IP, [hosts.target]: TARGET_IP, [hosts.assist]: ASSIST_IP };
    const links: Array<[Endpoint, Endpoint]> = [
      [
        [hosts.replay, HOST_DEVICE],
        [hosts.target, HOST_DEVICE],
      ],
      [
        [hosts.target, 'eth1'],
        [hosts.assist, HOST_DEVICE],
      ],
      [
        [hosts.assist, 'eth1'],
        [hosts.replay, 'eth1'],
      ],
    ];
    for (const [[nsA, devA], [nsB, devB]] of links) {
      const temp = `rp${process.pid % 100000}l${built}`;
      ip('-n', nsA, 'link', 'add', devA, 'type', 'veth', 'peer', 'name', temp);
      ip('-n', nsA, 'link', 'set', temp, 'netns', nsB);
      ip('-n', nsB, 'link', 'set', temp, 'name', devB);
      for (const [ns, dev, peer] of [
        [nsA, devA, nsB],
        [nsB, devB, nsA],
      ]) {
        ip('-n', ns, 'addr', 'add', `${address[ns]}/32`, 'dev', dev);
        ip('-n', ns, 'link', 'set', dev, 'up');
        ip('-n', ns, 'route', 'add', `${address[peer]}/32`, 'dev', dev);
        // Full checksums on what the hosts send, so captures of it read as on a real wire.
        try {
          run(ns, 'ethtool', ['-K', dev, 'tx', 'off']);
        } catch {}
      }
    }
    run(hosts.assist, 'sysctl', ['-qw', 'net.ipv4.ip_forward=0']);
    if (options.interceptOnTarget) {
      ip('-n', hosts.target, 'link', 'add', BLACK_HOLE_DEVICE, 'type', 'veth', 'peer', 'name', 'bh1');
      ip('-n', hosts.target, 'link', 'set', BLACK_HOLE_DEVICE, 'arp', 'off');
      ip('-n', hosts.target, 'link', 'set', BLACK_HOLE_DEVICE, 'up');
      ip('-n', hosts.target, 'link', 'set', 'bh1', 'up');
      ip('-n', hosts.target, 'route', 'add', CLIENT_POOL, 'dev', BLACK_HOLE_DEVICE);
    } else {
      ip('-n', hosts.target, 'route', 'add', CLIENT_POOL, 'via', ASSIST_IP);
    }
  } catch (err) {
    void close();
    throw err;
  }

  return {
    ...hosts,
    run,
    spawn(ns, command, args) {
      const child = spawn('ip', ['netns', 'exec', ns, command, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    close,
  };
}

/** SIGTERM, then SIGKILL after a second; resolves when the process is gone. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 1000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resolves once `text` appears in the child's output; rejects when it exits first or after `ms`. */
export function waitForOutput(child: ChildProcess, text: string | RegExp, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', exited);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${text}; saw: ${seen}`)), ms);
    const check = (d: Buffer) => {
      seen += d.toString();
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) done();
    };
    const exited = (code: number | null) => done(new Error(`exited (${code}) before ${text}; saw: ${seen}`));
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.on('exit', exited);
  });
}
