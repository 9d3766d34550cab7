import type { Command } from '@commander-js/extra-typings';

/** Registers `reprise demo` (not yet implemented: registers nothing). */
export function registerDemo(_program: Command): void {}
