import { Writable } from 'node:stream';
import type { ReplayConfig, ReplayOutput } from '../../src/replay/replay.ts';

/** A replay config with the CLI's defaults, for tests to override. */
export function replayConfig(
  captures: string[],
  targetPort: number,
  sourcePort: number,
  over: Partial<ReplayConfig> = {},
): ReplayConfig {
  return {
    captures,
    transfers: [{ sourcePort, target: { ip: '127.0.0.1', port: targetPort } }],
    transport: 'socket',
    speed: Number.POSITIVE_INFINITY,
    concurrency: 100,
    loop: 1,
    samplePercent: 100,
    onlyComplete: false,
    noWait: false,
    sessionTimeoutMs: 5000,
    multiply: 1,
    seed: 1,
    lookaheadMs: 2000,
    interactive: false,
    ...over,
  };
}

/** Output streams that keep what the replay printed. */
export function capturedOutput(): ReplayOutput & { text: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stdout: sink, stderr: sink, text: () => text };
}
