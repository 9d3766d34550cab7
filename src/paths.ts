import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder (where package.json is), whether running from src/ or the dist/ bundle. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('reprise: cannot find the project folder (no package.json above the code)');
    dir = parent;
  }
  return dir;
}

const projectRoot: string = findRoot();

export function projectPath(...parts: string[]): string {
  return join(projectRoot, ...parts);
}
