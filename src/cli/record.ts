import type { Command } from '@commander-js/extra-typings';

/** Registers `reprise record` (not yet implemented: registers nothing). */
export function registerRecord(_program: Command): void {}
