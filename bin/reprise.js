#!/usr/bin/env node
// Runs the bundled CLI (dist/, made by `npm run build` and by the setup script) when it is up
// to date with src/, and the TypeScript sources through tsx otherwise, so that a fresh clone
// and a developer's edits both just work.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist/reprise.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  try {
    return (
      statSync(bundle).mtimeMs >=
      Math.max(newestSource(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs)
    );
  } catch {
    return false;
  }
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  // The project's tsconfig wherever reprise runs from (tsx would look in the working directory,
  // and JSX would lose its settings).
  register({ tsconfig: join(root, 'tsconfig.json') });
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
