import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { startTargetServer } from '../demo/target-server.ts';
import { projectPath } from '../paths.ts';
import { LOOKAHEAD_MS, REPLAY_DEFAULTS, SESSION_TIMEOUT_S } from '../replay/option-defaults.ts';
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
          `      the same as: reprise replay ${RECORDING} -x ${transfer} --speed ${o.speed} --report ${o.report}\n\n`,
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
          concurrency: Number(REPLAY_DEFAULTS.concurrency),
          loop: Number(REPLAY_DEFAULTS.loop),
          samplePercent: Number(REPLAY_DEFAULTS.sample),
          onlyComplete: false,
          noWait: false,
          sessionTimeoutMs: SESSION_TIMEOUT_S * 1000,
          multiply: Number(REPLAY_DEFAULTS.multiply),
          seed: Number(REPLAY_DEFAULTS.seed),
          lookaheadMs: LOOKAHEAD_MS,
          reportPath: o.report,
          sessionsOnDisk: true,
          ...(o.tui === false ? { interactive: false } : {}),
          // As `reprise replay` keeps them, so that compare sees the same load in both.
          given: {
            ...REPLAY_DEFAULTS,
            wait: true,
            tui: o.tui,
            transfer,
            speed: o.speed,
            report: o.report,
            captures: [RECORDING],
            demo: true,
          },
        });
      } finally {
        await target.close();
      }
      process.stdout.write(`\ncompare two runs with: reprise compare ${o.report} <another-report.json>\n`);
    });
}
