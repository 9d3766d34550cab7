import type { Command } from '@commander-js/extra-typings';

/** Registers `reprise compare` (not yet implemented: registers nothing). */
export function registerCompare(_program: Command): void {}
