/**
 * Deterministic pseudo-randomness. Everything random in a replay (sampling, client address
 * mapping, port shifts) derives from the user's seed through these, so that two runs with the
 * same capture, options and seed make the same choices.
 */

/** A 32-bit mix of the inputs (murmur3's finaliser over a running FNV-style fold). */
export function hash32(...parts: ReadonlyArray<number | string>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    if (typeof part === 'number') {
      h = Math.imul(h ^ (part >>> 0), 0x01000193);
      h = Math.imul(h ^ Math.floor(part / 0x100000000), 0x01000193);
    } else {
      for (let i = 0; i < part.length; i++) h = Math.imul(h ^ part.charCodeAt(i), 0x01000193);
    }
    h = Math.imul(h ^ 0xff, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) determined by the inputs. */
export function unitInterval(...parts: ReadonlyArray<number | string>): number {
  return hash32(...parts) / 0x100000000;
}
