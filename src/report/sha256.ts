import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { CaptureInfo } from './schema.ts';

/** The file's SHA-256 as lowercase hex, read as a stream (constant memory whatever the size). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** What the run report says about a capture file. */
export async function describeCapture(path: string): Promise<CaptureInfo> {
  const [sha256, info] = await Promise.all([sha256File(path), stat(path)]);
  return { name: path, sha256, bytes: info.size };
}
