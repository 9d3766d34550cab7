/**
 * Where the shared corpus of real captures is: $REPRISE_CORPUS, else `../shared/corpus` beside
 * the checkout (how CI and the developers' machines lay it out).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../../src/paths.ts';

export const CORPUS_DIR: string = process.env.REPRISE_CORPUS ?? projectPath('..', 'shared', 'corpus');

/** The corpus's capture files, with a trailing slash. */
export const CORPUS_FILES: string = `${join(CORPUS_DIR, 'files')}/`;

/** A reason to skip corpus tests when the corpus is not there, printed by node's test runner. */
export const corpusMissing: string | false = existsSync(CORPUS_FILES)
  ? false
  : `the capture corpus is not at ${CORPUS_DIR} (set REPRISE_CORPUS)`;

export function corpusFile(name: string): string {
  return CORPUS_FILES + name;
}
