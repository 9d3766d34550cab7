#!/usr/bin/env node
// Runs the test suite with node's test runner (Node 20 does not expand globs itself).
// Unit and property tests run in parallel; end-to-end tests (test/e2e: real sockets, network
// namespaces, timing) run one file at a time so that they do not compete for the two cores.
// Arguments filter test files by substring: `npm test -- capture flow`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) out.push(relative(root, path));
  }
  return out;
}

const all = collect(join(root, 'test')).filter(
  (f) => filters.length === 0 || filters.some((s) => f.includes(s)),
);
const e2e = all.filter((f) => f.startsWith('test/e2e/'));
const unit = all.filter((f) => !f.startsWith('test/e2e/'));

let failed = false;
for (const [files, concurrency] of [
  [unit, 2],
  [e2e, 1],
]) {
  if (files.length === 0) continue;
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
    { cwd: root, stdio: 'inherit' },
  );
  if (run.status !== 0) failed = true;
}
if (all.length === 0) {
  console.error('no test files matched');
  failed = true;
}
process.exit(failed ? 1 : 0);
