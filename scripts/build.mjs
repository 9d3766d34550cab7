#!/usr/bin/env node
// Bundles the CLI into dist/reprise.js with esbuild (shipped with tsx), so that the command
// starts fast and runs without a TypeScript loader in the process. bin/reprise.js uses the
// bundle while it is newer than every source file, and the sources through tsx otherwise.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const outdir = fileURLToPath(new URL('../dist/', import.meta.url));
// Chunk names carry content hashes: start empty so that stale chunks do not pile up.
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: { reprise: fileURLToPath(new URL('../src/cli/main.ts', import.meta.url)) },
  outdir,
  bundle: true,
  // Dynamic imports (the Ink views) stay separate chunks, loaded only when a view is mounted.
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  jsx: 'automatic',
});
