import { readSessions } from '../../src/flow/pipeline.ts';
import type { CapturedSession } from '../../src/flow/session.ts';
import { CORPUS_FILES } from './corpus.ts';

export const CORPUS = CORPUS_FILES;

/** Every session of a capture with its request bytes, in session order. */
export async function capturedSessions(path: string): Promise<CapturedSession[]> {
  const sessions: CapturedSession[] = [];
  await readSessions(path, { sessionClosed: (s) => sessions.push(s) }, { keepPayload: true });
  return sessions.sort((a, b) => a.id - b.id);
}

/** The client bytes of a session as the replay must send them: its requests, in order. */
export function clientBytes(session: CapturedSession): Buffer {
  return Buffer.concat(session.requests.map((r) => r.data));
}
