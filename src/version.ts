import { readFileSync } from 'node:fs';
import { projectPath } from './paths.ts';

const pkg = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string };

/** reprise's version, from package.json. */
export const version: string = pkg.version;
