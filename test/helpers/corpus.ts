/**
 * Where the corpus of real captures is: $REPRISE_CORPUS; else the shared corpus beside the
 * checkout (`../shared/corpus`, all 61 files, how CI and the developers' machines lay it out);
 * else `fixtures/corpus`, the subset the tests name, copied with their manifest rows and
 * licences, so that a clone anywhere still tests against real captures.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../../src/paths.ts';

const SHARED = projectPath('..', 'shared', 'corpus');

export const CORPUS_DIR: string =
  process.env.REPRISE_CORPUS ??
  (existsSync(join(SHARED, 'files')) ? SHARED : projectPath('fixtures', 'corpus'));

/** The corpus's capture files, with a trailing slash. */
export const CORPUS_FILES: string = `${join(CORPUS_DIR, 'files')}/`;

/** A reason to skip a test of `name` when this corpus does not have it (the fixtures subset). */
export function corpusLacks(name: string): string | false {
  return existsSync(CORPUS_FILES + name) ? false : `${name} is not in the corpus at ${CORPUS_DIR}`;
}

export function corpusFile(name: string): string {
  return CORPUS_FILES + name;
}
