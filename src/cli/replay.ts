import type { Command } from '@commander-js/extra-typings';
import { replay } from '../replay/replay.ts';
import { parseTransfers } from '../replay/transfer.ts';
import { UserError } from './errors.ts';
import { integerInRange, percentage, positiveNumber, speedFactor } from './parse.ts';

/** Registers `reprise replay`. */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description("replay captured sessions' client side against a target, and report how it did")
    .argument('<capture...>', 'pcap or pcapng files (gzip too), replayed one after the other')
    .requiredOption('-x, --transfer <map>', 'which sessions go where: [srcIP:]srcPort-dstIP:dstPort[,...]')
    .option('--transport <kind>', 'socket (kernel TCP connections, no root)', 'socket')
    .option(
      '--speed <factor>',
      "timing: 1 = as captured, 2 = twice as fast, 'max' = as fast as possible",
      '1',
    )
    .option('--concurrency <n>', 'with --speed max: sessions at once, at most', '100')
    .option('--max-idle <ms>', 'cut stretches of the capture with no packet longer than this')
    .option('--loop <n>', 'replay the captures this many times, one after the other', '1')
    .option('--sample <percent>', 'replay this share of the sessions (chosen by session and seed)', '100')
    .option('--only-complete', 'replay only sessions whose handshake was captured')
    .option('--no-wait', 'send requests on schedule without waiting for responses')
    .option('--session-timeout <seconds>', 'give a session up when the target is silent this long', '30')
    .option('-n, --multiply <n>', 'replay each session n times', '1')
    .option('--seed <n>', 'seed of every random choice (sampling, ...)', '1')
    .option('--report <file>', 'write the run report (JSON) here')
    .option('--no-tui', 'print plain progress lines even on a terminal')
    .action(async (captures, o) => {
      if (o.transport !== 'socket') {
        throw new UserError(`--transport: '${o.transport}' is not a transport (socket)`);
      }
      await replay({
        captures,
        transfers: parseTransfers(o.transfer, '--transfer'),
        transport: 'socket',
        speed: speedFactor('--speed', o.speed),
        concurrency: integerInRange('--concurrency', o.concurrency, 1, 1_000_000),
        ...(o.maxIdle !== undefined ? { maxIdleMs: positiveNumber('--max-idle', o.maxIdle) } : {}),
        loop: integerInRange('--loop', o.loop, 1, 1_000_000),
        samplePercent: percentage('--sample', o.sample),
        onlyComplete: o.onlyComplete === true,
        noWait: o.wait === false,
        sessionTimeoutMs: positiveNumber('--session-timeout', o.sessionTimeout) * 1000,
        multiply: integerInRange('--multiply', o.multiply, 1, 1023),
        seed: integerInRange('--seed', o.seed, 0, 2 ** 32 - 1),
        lookaheadMs: 2000,
        ...(o.report !== undefined ? { reportPath: o.report } : {}),
        ...(o.tui === false ? { interactive: false } : {}),
        given: { ...o, captures },
      });
    });
}
