import type { Command } from '@commander-js/extra-typings';

/** Registers `reprise replay` (not yet implemented: registers nothing). */
export function registerReplay(_program: Command): void {}
