import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { startTargetServer } from '../demo/target-server.ts';
import { projectPath } from '../paths.ts';
import { errorCode } from '../util/error-code.ts';
import { UserError } from '../util/user-error.ts';
import { speedFactor } from './parse.ts';

const RECORDING = projectPath('recordings', 'demo-shop.pcap');
const CAPTURED_PORT = 8080;

/** Registers `reprise demo`: a replay of the bundled recording against a built-in local target. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('replay the bundled recording against a built-in HTTP target on loopback (no root needed)')
    .option('--speed <factor>', "1 = as recorded (about 12 s), 'max' = as fast as possible", '1')
    .option('--report <file>', 'where to write the run report', 'reports/demo.json')
    .option('--no-tui', 'print plain progress lines even on a terminal')
    .action(async (o) => {
      const speed = speedFactor('--speed', o.speed);
      const { replay } = await import('../replay/replay.ts');
      const target = await startTargetServer({
        delays: [
          { prefix: '/search', ms: 12 },
          { prefix: '/checkout', ms: 35 },
        ],
      });
      const transfer = `${CAPTURED_PORT}-${target.host}:${target.port}`;
      process.stdout.write(
        `demo: replaying ${RECORDING} (port ${CAPTURED_PORT}) against a built-in target on ${target.host}:${target.port}\n` +
          `      the same as: reprise replay recordings/demo-shop.pcap -x ${transfer} --speed ${o.speed} --report ${o.report}\n\n`,
      );
      try {
        await mkdir(dirname(o.report), { recursive: true }).catch((err: unknown) => {
          throw new UserError(`--report ${o.report}: cannot create ${dirname(o.report)} (${errorCode(err)})`);
        });
        await replay({
          captures: [RECORDING],
          transfers: [{ sourcePort: CAPTURED_PORT, target: { ip: target.host, port: target.port } }],
          transport: 'socket',
          speed,
          concurrency: 100,
          loop: 1,
          samplePercent: 100,
          onlyComplete: false,
          noWait: false,
          sessionTimeoutMs: 10_000,
          multiply: 1,
          seed: 1,
          lookaheadMs: 2000,
          reportPath: o.report,
          ...(o.tui === false ? { interactive: false } : {}),
          given: { transfer, speed: o.speed, demo: true },
        });
      } finally {
        await target.close();
      }
      process.stdout.write(`\ncompare two runs with: reprise compare ${o.report} <another-report.json>\n`);
    });
}
