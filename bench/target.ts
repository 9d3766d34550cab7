/** The benchmarks' HTTP target in its own process: prints its port, serves until killed. */
import { startTargetServer } from '../src/demo/target-server.ts';

const server = await startTargetServer({ port: Number(process.argv[2] ?? 0) });
process.stdout.write(`${server.port}\n`);
