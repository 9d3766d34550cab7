import type { Command } from '@commander-js/extra-typings';

/** Registers `reprise intercept` (not yet implemented: registers nothing). */
export function registerIntercept(_program: Command): void {}
