import type { Command } from '@commander-js/extra-typings';

/** Registers `reprise inspect` (not yet implemented: registers nothing). */
export function registerInspect(_program: Command): void {}
