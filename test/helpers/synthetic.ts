import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type SyntheticHttpOptions,
  type SyntheticPacket,
  syntheticHttpTraffic,
} from '../../src/synth/http-traffic.ts';
import { writeSyntheticCapture } from '../../src/synth/write.ts';

/** A temporary folder removed by `cleanup()`. */
export function tempDir(prefix = 'reprise-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

const BASE: SyntheticHttpOptions = {
  sessions: 3,
  requestsPerSession: 3,
  sessionSpacingMs: 100,
  thinkTimeMs: 100,
  serverLatencyMs: 1,
  rttMs: 1,
  serverPort: 80,
};

/** Writes a synthetic HTTP capture; several option sets are written one after the other in time. */
export async function syntheticCapture(
  path: string,
  ...parts: Array<Partial<SyntheticHttpOptions>>
): Promise<string> {
  const all: SyntheticPacket[] = [];
  for (const part of parts.length > 0 ? parts : [{}]) all.push(...syntheticHttpTraffic({ ...BASE, ...part }));
  all.sort((a, b) => a.tsUs - b.tsUs);
  await writeSyntheticCapture(path, all);
  return path;
}
