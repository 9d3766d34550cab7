/**
 * `npm run bench [-- name ...]`: runs the benchmarks one after the other, each in its own
 * process so that one's memory and JIT state do not colour the next. Each prints its figures
 * as ratios against a reference measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ALL = ['inspect', 'replay', 'record', 'raw', 'intercept', 'report'];
/** `npm run bench -- raw --requests 100000`: names pick benchmarks, flags (with their values) go to each. */
const wanted: string[] = [];
const flags: string[] = [];
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (!arg.startsWith('--')) wanted.push(arg);
  else {
    flags.push(arg);
    const value = process.argv[i + 1];
    if (value !== undefined && !value.startsWith('--')) flags.push(process.argv[++i]);
  }
}
const names = wanted.length > 0 ? ALL.filter((n) => wanted.some((w) => n.includes(w))) : ALL;
if (names.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(' ')}; there are: ${ALL.join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const name of names) {
  const file = join(import.meta.dirname, `${name}.ts`);
  if (!existsSync(file)) continue;
  process.stdout.write(`\n=== bench: ${name} ===\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file, ...flags], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    process.stdout.write(`bench ${name} failed (exit ${run.status})\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
