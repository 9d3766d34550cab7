import type { Command } from '@commander-js/extra-typings';
import { LOOKAHEAD_MS, REPLAY_DEFAULTS } from '../replay/option-defaults.ts';
import { MAX_COPIES, MAX_PORT_SHIFT } from '../replay/port-shift.ts';
import { parseTransfers } from '../replay/transfer.ts';
import { dieOfHangup } from '../util/hangup.ts';
import { UserError } from '../util/user-error.ts';
import {
  integerInRange,
  mtuAndMss,
  percentage,
  positiveNumber,
  repeatableList,
  speedFactor,
} from './parse.ts';

/** Registers `reprise replay`. */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description("replay captured sessions' client side against a target, and report how it did")
    .argument('<capture...>', 'pcap or pcapng files (gzip too), replayed one after the other')
    .requiredOption(
      '-x, --transfer <map>',
      'which sessions go where: [srcIP:]srcPort-dstIP:dstPort[,...] (repeatable)',
      repeatableList,
    )
    .option(
      '--transport <kind>',
      'socket (kernel TCP connections, no root) or raw (IP packets from the client addresses, with intercept); default: raw when -s is given, else socket',
    )
    .option(
      '-s, --intercepts <list>',
      'raw: intercepts as host[:port],... (reprise intercept or intercept 1.0; port 36524 by default; repeatable)',
      repeatableList,
    )
    .option(
      '-C, --intercept-connections <n>',
      'raw: connections to each intercept',
      REPLAY_DEFAULTS.interceptConnections,
    )
    .option(
      '-c, --client-ips <pool>',
      'raw: client pool: 10.78.0.x, 10.78.0.0/24, 10.78.0.10-10.78.0.99, or a comma list (repeatable)',
      repeatableList,
    )
    .option(
      '-f, --port-shift <k>',
      `raw: this replayer's port shift (0-${MAX_PORT_SHIFT}): replayers with different k never collide`,
      REPLAY_DEFAULTS.portShift,
    )
    .option('-M, --mtu <bytes>', 'raw: MTU toward the target; segments are cut to MTU - 40 (tcpcopy -M)')
    .option('-D, --mss <bytes>', 'raw: MSS announced and cut to (tcpcopy -D)')
    .option('--send-link <device>', 'raw: send Ethernet frames through libpcap instead of a raw IP socket')
    .option('--keep-going', 'raw: reconnect to an intercept that went away instead of ending the replay')
    .option(
      '--speed <factor>',
      "timing: 1 = as captured, 2 = twice as fast, 'max' = as fast as possible",
      REPLAY_DEFAULTS.speed,
    )
    .option('--concurrency <n>', 'with --speed max: sessions at once, at most', REPLAY_DEFAULTS.concurrency)
    .option('--max-idle <ms>', 'cut stretches of the capture with no packet longer than this')
    .option('--loop <n>', 'replay the captures this many times, one after the other', REPLAY_DEFAULTS.loop)
    .option(
      '--sample <percent>',
      'replay this share of the sessions (chosen by session and seed)',
      REPLAY_DEFAULTS.sample,
    )
    .option(
      '--only-complete',
      "replay only sessions whose client SYN was captured (one the capture's end cut is still replayed)",
    )
    .option('--no-wait', 'send requests on schedule without waiting for responses')
    .option(
      '--session-timeout <seconds>',
      'give a session up when the target is silent this long',
      REPLAY_DEFAULTS.sessionTimeout,
    )
    .option('-n, --multiply <n>', 'replay each session n times', REPLAY_DEFAULTS.multiply)
    .option('--seed <n>', 'seed of every random choice (sampling, ...)', REPLAY_DEFAULTS.seed)
    .option('--report <file>', 'write the run report (JSON) here')
    .option('--no-tui', 'print plain progress lines even on a terminal')
    .action(async (captures, o, command) => {
      const transport = o.transport ?? (o.intercepts !== undefined ? 'raw' : 'socket');
      if (transport !== 'socket' && transport !== 'raw') {
        throw new UserError(`--transport: '${transport}' is not a transport (socket, raw)`);
      }
      if (transport === 'raw' && o.intercepts === undefined) {
        throw new UserError('--transport raw: give the intercepts with -s <host[:port],...>');
      }
      if (transport === 'socket') {
        if (o.intercepts !== undefined)
          throw new UserError('-s needs the raw transport (drop --transport socket)');
        const rawOnly = {
          clientIps: '-c',
          sendLink: '--send-link',
          mtu: '-M',
          mss: '-D',
          interceptConnections: '-C',
          portShift: '-f',
          keepGoing: '--keep-going',
        } as const;
        for (const [key, flag] of Object.entries(rawOnly)) {
          // Given by the user, not a default (-C and -f have one).
          if (command.getOptionValueSource(key) === 'cli')
            throw new UserError(`${flag} needs the raw transport (-s <intercept>)`);
        }
      }
      const speed = speedFactor('--speed', o.speed);
      if (speed !== Number.POSITIVE_INFINITY && command.getOptionValueSource('concurrency') === 'cli') {
        // Not an error: a script may pass it whatever the speed. Timed sessions start on schedule.
        process.stderr.write(
          'reprise: warning: --concurrency applies with --speed max only; sessions start on their captured schedule\n',
        );
      }
      // Loaded on use: the replay machinery (metrics, histograms, transports) is not needed by other commands.
      const { replay } = await import('../replay/replay.ts');
      const { hungUp } = await replay({
        captures,
        transfers: parseTransfers(o.transfer, '--transfer'),
        transport,
        ...(o.intercepts !== undefined
          ? {
              raw: {
                intercepts: o.intercepts,
                connectionsEach: integerInRange('-C', o.interceptConnections, 1, 64),
                keepGoing: o.keepGoing === true,
                ...(o.clientIps !== undefined ? { clientIps: o.clientIps } : {}),
                portShift: integerInRange('-f', o.portShift, 0, MAX_PORT_SHIFT),
                ...mtuAndMss(o.mtu, o.mss),
                ...(o.sendLink !== undefined ? { sendLink: o.sendLink } : {}),
              },
            }
          : {}),
        speed,
        concurrency: integerInRange('--concurrency', o.concurrency, 1, 1_000_000),
        ...(o.maxIdle !== undefined ? { maxIdleMs: positiveNumber('--max-idle', o.maxIdle) } : {}),
        loop: integerInRange('--loop', o.loop, 1, 1_000_000),
        samplePercent: percentage('--sample', o.sample),
        onlyComplete: o.onlyComplete === true,
        noWait: o.wait === false,
        sessionTimeoutMs: positiveNumber('--session-timeout', o.sessionTimeout) * 1000,
        multiply: integerInRange('--multiply', o.multiply, 1, MAX_COPIES),
        seed: integerInRange('--seed', o.seed, 0, 2 ** 32 - 1),
        lookaheadMs: LOOKAHEAD_MS,
        ...(o.report !== undefined ? { reportPath: o.report, sessionsOnDisk: true } : {}),
        ...(o.tui === false ? { interactive: false } : {}),
        given: { ...o, captures },
      });
      if (hungUp) dieOfHangup();
    });
}
