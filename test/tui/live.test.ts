import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { startReplayLiveView } from '../../src/tui/live-views.ts';
import type { ReplayHandlers } from '../../src/tui/progress.ts';
import { isInteractiveTerminal } from '../../src/tui/terminal.ts';
import { replayProgress } from './samples.ts';
import { settle } from './settle.ts';

function captureStream(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

function countingHandlers() {
  const calls = { stop: 0 };
  const handlers: ReplayHandlers = {
    onStop: () => calls.stop++,
    onPauseToggle: () => {},
    onSpeedChange: () => {},
  };
  return { calls, handlers };
}

test('off a terminal: periodic plain lines on stderr that follow the snapshots, a last one at stop', async () => {
  const stderr = captureStream();
  let snapshots = 0;
  const snapshot = () => {
    snapshots++;
    return replayProgress({ timelineDoneUs: snapshots * 3_000_000, lastErrors: [] });
  };
  const { handlers } = countingHandlers();
  const view = startReplayLiveView(snapshot, handlers, {
    interactive: false,
    lineIntervalMs: 20,
    stderr: stderr.stream,
  });
  assert.equal(view.interactive, false);
  const lineCount = () => stderr.text().split('\n').length - 1;
  for (const deadline = Date.now() + 5000; lineCount() < 3 && Date.now() < deadline; ) await settle(10);
  await view.stop();
  await view.stop();
  const lines = stderr.text().trimEnd().split('\n');
  assert.ok(lines.length >= 3, `expected several lines, got ${lines.length}`);
  assert.doesNotMatch(stderr.text(), /\x1b/);
  const percents = lines.map((line) => Number(/^replay ([\d.]+)%/.exec(line)?.[1]));
  assert.deepEqual(
    percents,
    percents.map((_, i) => 10 * (i + 1)),
  );
  await settle(60);
  assert.equal(stderr.text().trimEnd().split('\n').length, lines.length, 'nothing printed after stop');
});

test('off a terminal: the first SIGINT asks to stop once, and the handler goes away at stop', async () => {
  const stderr = captureStream();
  const { calls, handlers } = countingHandlers();
  const before = process.listenerCount('SIGINT');
  const view = startReplayLiveView(() => replayProgress(), handlers, {
    interactive: false,
    stderr: stderr.stream,
  });
  assert.equal(process.listenerCount('SIGINT'), before + 1);
  process.emit('SIGINT');
  assert.equal(calls.stop, 1);
  assert.match(stderr.text(), /Ctrl-C again/);
  await view.stop();
  assert.equal(process.listenerCount('SIGINT'), before);
  assert.equal(calls.stop, 1);
});

test('the view takes the terminal only when both ends are TTYs outside CI', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  assert.equal(isInteractiveTerminal(tty, tty, {}), true);
  assert.equal(isInteractiveTerminal(pipe, tty, {}), false);
  assert.equal(isInteractiveTerminal(tty, pipe, {}), false);
  assert.equal(isInteractiveTerminal(tty, tty, { CI: 'true' }), false);
  assert.equal(isInteractiveTerminal(tty, tty, { CI: 'false' }), true);
});
