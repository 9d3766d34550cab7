import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import type { ReplayHandlers, ReplayProgress } from '../../src/tui/progress.ts';
import { ReplayView } from '../../src/tui/replay-view.tsx';
import { replayProgress } from './samples.ts';
import { settle } from './settle.ts';

afterEach(cleanup);

interface Calls {
  stop: number;
  pause: number;
  speeds: number[];
}

function mount(progress: ReplayProgress) {
  const calls: Calls = { stop: 0, pause: 0, speeds: [] };
  const handlers: ReplayHandlers = {
    onStop: () => calls.stop++,
    onPauseToggle: () => calls.pause++,
    onSpeedChange: (factor) => calls.speeds.push(factor),
  };
  const view = render(<ReplayView progress={progress} {...handlers} />);
  const frame = () => view.lastFrame() ?? '';
  return { view, calls, frame };
}

test('shows timeline progress, ETA, rates, percentiles and failures by outcome', () => {
  const { frame } = mount(replayProgress());
  const text = frame();
  assert.match(text, /42\.0%/);
  assert.match(text, /0:12\/0:30/);
  assert.match(text, /ETA 0:17/);
  assert.match(text, /53\/s/);
  assert.match(text, /p99 8\.40 ms/);
  assert.match(text, /send lag p50 0\.100 ms p99 0\.350 ms/);
  assert.match(text, /7 failed \(reset-by-target 5, timed-out 2\)/);
  assert.match(text, /connection reset by target after request 3/);
  assert.match(text, /speed 1x/);
  assert.match(text, /q stop · p pause · \+\/- speed · s slow\/failed sessions/);
});

test('before any response the percentiles show as unknown, not zero', () => {
  const { frame } = mount(replayProgress({ latencyMs: undefined, sendLagMs: undefined, lastErrors: [] }));
  assert.match(frame(), /latency p50 - p99 -/);
});

test('a paused run says so and offers resume', () => {
  const { frame } = mount(replayProgress({ paused: true }));
  assert.match(frame(), /PAUSED/);
  assert.match(frame(), /p resume/);
});

test('s toggles the slowest and failed sessions', async () => {
  const { view, frame } = mount(replayProgress());
  await settle();
  assert.doesNotMatch(frame(), /#17/);
  view.stdin.write('s');
  await settle();
  assert.match(frame(), /#17 10\.0\.0\.9:51000 timed-out/);
  assert.match(frame(), /#4 10\.0\.0\.3:50022 active slowest 812 ms/);
  view.stdin.write('s');
  await settle();
  assert.doesNotMatch(frame(), /#17/);
});

test('p toggles pause, + and - ask for double and half the current speed', async () => {
  const { view, calls } = mount(replayProgress({ speed: 4 }));
  await settle();
  view.stdin.write('p');
  view.stdin.write('+');
  await settle();
  view.stdin.write('-');
  await settle();
  assert.equal(calls.pause, 1);
  assert.deepEqual(calls.speeds, [8, 4], '+ then - comes back to the speed it started from');
  assert.equal(calls.stop, 0);
});

test('keys pressed faster than the view refreshes each take a step from the last speed asked', async () => {
  // The progress prop still says 4x: no snapshot has come in since the keys were pressed.
  const { view, calls } = mount(replayProgress({ speed: 4 }));
  await settle();
  for (const key of ['+', '+', '-', '-', '-']) view.stdin.write(key);
  await settle();
  assert.deepEqual(calls.speeds, [8, 16, 8, 4, 2]);
});

test('keys that arrive in one read (a held key, a paste) each count', async () => {
  const { view, calls } = mount(replayProgress({ speed: 1 }));
  await settle();
  view.stdin.write('+++');
  await settle();
  assert.deepEqual(calls.speeds, [2, 4, 8]);
});

test('at --speed max, + and - change nothing', async () => {
  const { view, calls, frame } = mount(replayProgress({ speed: Number.POSITIVE_INFINITY }));
  await settle();
  assert.match(frame(), /speed max/);
  view.stdin.write('+');
  view.stdin.write('-');
  await settle();
  assert.deepEqual(calls.speeds, []);
});

test('q and Ctrl-C stop', async () => {
  for (const key of ['q', '\x03']) {
    const { view, calls } = mount(replayProgress());
    await settle();
    view.stdin.write(key);
    await settle();
    assert.equal(calls.stop, 1, `key ${JSON.stringify(key)}`);
    view.unmount();
  }
});
