import { Command, CommanderError } from '@commander-js/extra-typings';
import { CaptureError } from '../capture/record.ts';
import { ignoreBrokenPipe, isToldStdoutError } from '../util/broken-pipe.ts';
import { UserError } from '../util/user-error.ts';
import { version } from '../version.ts';
import { registerCompare } from './compare.ts';
import { registerDemo } from './demo.ts';
import { registerInspect } from './inspect.ts';
import { registerIntercept } from './intercept.ts';
import { registerRecord } from './record.ts';
import { registerReplay } from './replay.ts';

function buildProgram(): Command {
  const program = new Command('reprise')
    .description('Record TCP traffic once, replay it against every release, compare the runs.')
    .version(version)
    // Set before the subcommands are added, which inherit them: a usage error in any of them is
    // one line like every other error's, and reaches main() (exit code 2) rather than exiting
    // the process with commander's code 1.
    .configureOutput({ outputError: (message, write) => write(usageErrorLine(message)) })
    .exitOverride();
  registerInspect(program);
  registerReplay(program);
  registerCompare(program);
  registerRecord(program);
  registerIntercept(program);
  registerDemo(program);
  return program;
}

/** Commander's `error: ...` as reprise's one line: `reprise: ... (see --help)`. */
function usageErrorLine(message: string): string {
  return `reprise: ${message.replace(/^error: /, '').trimEnd()} (see --help)\n`;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  process.stdout.on('error', ignoreBrokenPipe);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message; help and version exit 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(`reprise: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof CaptureError) {
      process.stderr.write(`reprise: ${err.message}\n`);
      return 2;
    }
    if (isToldStdoutError(err)) return 1;
    throw err;
  }
}
