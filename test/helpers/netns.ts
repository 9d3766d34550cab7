/**
 * Network namespaces for end-to-end tests: the primitives, and the two topologies built on them.
 *
 * Every namespace is created by this process under a unique name (`rp-<purpose>-<pid>-<n>-<role>`).
 * A group's `close()` kills every process started in it (by PID) and deletes its namespaces; it
 * runs also when building fails half-way, and at process exit for any group a test left open.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

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

/** The skip reason for the tests of `what`, printed so that a skipped run says why. */
export function skipWithoutNetns(what: string): string | undefined {
  const reason = skipReasonWithoutNetns();
  if (reason) console.log(`# skipped: ${what}: ${reason}`);
  return reason;
}

let groups = 0;

/** Unique namespace names for one group of hosts, and the group's number. */
export function uniqueNames<Role extends string>(
  purpose: string,
  roles: readonly Role[],
): { n: number; names: Record<Role, string> } {
  const n = ++groups;
  const names = Object.fromEntries(roles.map((role) => [role, `rp-${purpose}-${process.pid}-${n}-${role}`]));
  return { n, names: names as Record<Role, string> };
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

/** Runs a command in a namespace and returns its stdout; throws when it fails. */
export function runIn(ns: string, command: string, args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8', stdio: 'pipe' });
}

/** Starts a command in a namespace (`ip netns exec` execs it: the child's PID is the command's). */
export function spawnIn(ns: string, command: string, args: string[], cwd?: string): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, command, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Namespaces {
  /** Runs a command in one of the group's namespaces and returns its stdout. */
  run(ns: string, command: string, args: string[]): string;
  /** Starts a command in one of the group's namespaces; `close()` kills it. */
  spawn(ns: string, command: string, args: string[], cwd?: string): ChildProcess;
  /** Has `close()` kill a process started otherwise. */
  track(child: ChildProcess): ChildProcess;
  /** Kills the group's processes (SIGTERM, then SIGKILL) and deletes its namespaces. */
  close(): Promise<void>;
}

const leftOpen = new Set<() => void>();
let exitHookInstalled = false;

/** Creates the namespaces, each with its loopback up. */
export function createNamespaces(names: string[]): Namespaces {
  const children = new Set<ChildProcess>();
  const created: string[] = [];
  const deleteNamespaces = () => {
    for (const ns of created.splice(0).reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {}
    }
  };
  const atExit = () => {
    for (const child of children) killIfRunning(child);
    deleteNamespaces();
  };
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const cleanUp of leftOpen) cleanUp();
    });
  }
  leftOpen.add(atExit);
  const track = (child: ChildProcess) => {
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const group: Namespaces = {
    run: runIn,
    spawn: (ns, command, args, cwd) => track(spawnIn(ns, command, args, cwd)),
    track,
    async close() {
      await Promise.all([...children].map(stop));
      deleteNamespaces();
      leftOpen.delete(atExit);
    },
  };
  return buildOrClose(group, () => {
    for (const ns of names) {
      ip('netns', 'add', ns);
      created.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
  });
}

/** Runs `build`; when it throws, closes the group before passing the error on. */
function buildOrClose<T extends Namespaces>(group: T, build: () => void): T {
  try {
    build();
  } catch (err) {
    void group.close();
    throw err;
  }
  return group;
}

/** A namespace and one of its devices. */
type Endpoint = [ns: string, device: string];

/** Joins two namespaces with a veth pair; both ends are left down, without addresses. */
export function addVethPair([nsA, devA]: Endpoint, [nsB, devB]: Endpoint): void {
  ip('-n', nsA, 'link', 'add', devA, 'type', 'veth', 'peer', 'name', devB, 'netns', nsB);
}

/** One host in a namespace of its own, with a device to capture on (see hostWithDevice). */
export interface HostWithDevice extends Namespaces {
  ns: string;
}

/**
 * One host with `device`, one end of a veth pair whose both ends are up: a capture device that a
 * test may delete under a running capture.
 */
export function hostWithDevice(purpose: string, device: string): HostWithDevice {
  const ns = uniqueNames(purpose, ['host']).names.host;
  const host = { ...createNamespaces([ns]), ns };
  return buildOrClose(host, () => {
    const peer = `${device}p`;
    addVethPair([ns, device], [ns, peer]);
    for (const dev of [device, peer]) ip('-n', ns, 'link', 'set', dev, 'up');
  });
}

/**
 * Two hosts joined by a veth pair: `server` (10.79.<n>.1 on <tag>s) and `client` (10.79.<n>.2 on
 * <tag>c), each on a /24.
 */
export interface TwoHosts extends Namespaces {
  server: string;
  client: string;
  serverIp: string;
  clientIp: string;
  serverDevice: string;
  clientDevice: string;
}

export function buildTwoHosts(purpose: string): TwoHosts {
  const { n, names } = uniqueNames(purpose, ['s', 'c']);
  const tag = `rp${purpose.slice(0, 4)}${process.pid % 100000}${n}`;
  const subnet = `10.79.${(process.pid + n) % 250}`;
  const hosts: TwoHosts = {
    ...createNamespaces([names.s, names.c]),
    server: names.s,
    client: names.c,
    serverIp: `${subnet}.1`,
    clientIp: `${subnet}.2`,
    serverDevice: `${tag}s`.slice(-15),
    clientDevice: `${tag}c`.slice(-15),
  };
  return buildOrClose(hosts, () => {
    addVethPair([hosts.server, hosts.serverDevice], [hosts.client, hosts.clientDevice]);
    for (const [ns, dev, address] of [
      [hosts.server, hosts.serverDevice, hosts.serverIp],
      [hosts.client, hosts.clientDevice, hosts.clientIp],
    ]) {
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', dev);
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
  });
}

/*
 * The test hosts for the raw transport, as DESIGN.md draws them, joined pairwise by veth links (no
 * bridge: one hop less per packet, and on one machine every hop is CPU time spent inside the
 * sender's syscall):
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
 * captures.
 */
export const REPLAY_IP = '10.77.0.1';
export const TARGET_IP = '10.77.0.2';
export const ASSIST_IP = '10.77.0.3';
export const CLIENT_POOL = '10.78.0.0/24';
export const HOST_DEVICE = 'eth0';
export const BLACK_HOLE_DEVICE = 'bh0';

export interface TestHosts extends Namespaces {
  replay: string;
  target: string;
  assist: string;
}

export interface TestHostsOptions {
  interceptOnTarget?: boolean;
}

export function buildTestHosts(purpose: string, options: TestHostsOptions = {}): TestHosts {
  const { names } = uniqueNames(purpose, ['replay', 'target', 'assist']);
  const hosts: TestHosts = { ...createNamespaces([names.replay, names.target, names.assist]), ...names };
  return buildOrClose(hosts, () => {
    const { replay, target, assist } = hosts;
    const address = { [replay]: REPLAY_IP, [target]: TARGET_IP, [assist]: ASSIST_IP };
    const links: Array<[Endpoint, Endpoint]> = [
      [
        [replay, HOST_DEVICE],
        [target, HOST_DEVICE],
      ],
      [
        [target, 'eth1'],
        [assist, HOST_DEVICE],
      ],
      [
        [assist, 'eth1'],
        [replay, 'eth1'],
      ],
    ];
    for (const [a, b] of links) {
      addVethPair(a, b);
      for (const [[ns, dev], [peer]] of [
        [a, b],
        [b, a],
      ]) {
        ip('-n', ns, 'addr', 'add', `${address[ns]}/32`, 'dev', dev);
        ip('-n', ns, 'link', 'set', dev, 'up');
        ip('-n', ns, 'route', 'add', `${address[peer]}/32`, 'dev', dev);
        // Full checksums on what the hosts send, so captures of it read as on a real wire.
        try {
          runIn(ns, 'ethtool', ['-K', dev, 'tx', 'off']);
        } catch {}
      }
    }
    runIn(assist, 'sysctl', ['-qw', 'net.ipv4.ip_forward=0']);
    if (options.interceptOnTarget) {
      ip('-n', target, 'link', 'add', BLACK_HOLE_DEVICE, 'type', 'veth', 'peer', 'name', 'bh1');
      ip('-n', target, 'link', 'set', BLACK_HOLE_DEVICE, 'arp', 'off');
      ip('-n', target, 'link', 'set', BLACK_HOLE_DEVICE, 'up');
      ip('-n', target, 'link', 'set', 'bh1', 'up');
      ip('-n', target, 'route', 'add', CLIENT_POOL, 'dev', BLACK_HOLE_DEVICE);
    } else {
      ip('-n', target, 'route', 'add', CLIENT_POOL, 'via', ASSIST_IP);
    }
  });
}

/** Sends `signal` to the child (by PID) unless it has ended. */
function killIfRunning(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
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

/**
 * Resolves once `text` appears in the child's stdout or stderr; rejects when its output ends first
 * or after `ms`.
 */
export function waitForOutput(child: ChildProcess, text: string | RegExp, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('close', ended);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${text}; saw: ${seen}`)), ms);
    const check = (d: Buffer) => {
      seen += d.toString();
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) done();
    };
    const ended = (code: number | null) => done(new Error(`exited (${code}) before ${text}; saw: ${seen}`));
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.on('close', ended);
  });
}
