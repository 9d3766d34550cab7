import { stat } from 'node:fs/promises';

/**
 * The first of `inputs` that `output` would overwrite: the same file, under any name (a link, a
 * relative path). Undefined when `output` does not exist yet or is none of them.
 */
export async function overwrittenInput(
  output: string,
  inputs: readonly string[],
): Promise<string | undefined> {
  const out = await stat(output).catch(() => undefined);
  if (out === undefined) return undefined;
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info !== undefined && info.dev === out.dev && info.ino === out.ino) return input;
  }
  return undefined;
}
