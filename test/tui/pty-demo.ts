/**
 * A replay live view over synthetic, advancing progress, for test/e2e/tui-pty.test.ts to drive
 * through a pseudo-terminal. Prints its final state after the view is gone; exits 0 on `q`.
 */

import { startReplayLiveView } from '../../src/tui/live-views.ts';
import { replayProgress } from './samples.ts';

const GIVE_UP_MS = 20_000;
const TOTAL_US = 60_000_000;

const startedAt = Date.now();
let paused = false;
let speed = 1;
let stopRequested: () => void = () => {};
const stopped = new Promise<void>((resolve) => {
  stopRequested = resolve;
});

const view = startReplayLiveView(
  () => {
    const elapsedMs = Date.now() - startedAt;
    return replayProgress({
      timelineDoneUs: Math.min(TOTAL_US, elapsedMs * 1000 * speed),
      timelineTotalUs: TOTAL_US,
      elapsedMs,
      paused,
      speed,
    });
  },
  {
    onStop: () => stopRequested(),
    onPauseToggle: () => {
      paused = !paused;
    },
    onSpeedChange: (factor) => {
      speed = factor;
    },
  },
  { intervalMs: 50 },
);

if (!view.interactive) {
  process.stderr.write('pty-demo: not a terminal\n');
  process.exit(2);
}

const giveUp = setTimeout(() => {
  process.stderr.write('pty-demo: no q within the time limit\n');
  process.exit(3);
}, GIVE_UP_MS);
giveUp.unref();

await stopped;
await view.stop();
clearTimeout(giveUp);
process.stdout.write(`pty-demo stopped paused=${paused} speed=${speed} raw=${process.stdin.isRaw}\n`);
