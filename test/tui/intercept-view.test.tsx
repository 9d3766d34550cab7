import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { InterceptView } from '../../src/tui/intercept-view.tsx';
import { interceptProgress } from './samples.ts';
import { settle } from './settle.ts';

afterEach(cleanup);

test('shows replayers, routes, uptime and each counter per second and in total', () => {
  const view = render(<InterceptView progress={interceptProgress()} onStop={() => {}} />);
  const text = view.lastFrame() ?? '';
  assert.match(text, /up 1:02:03/);
  assert.match(text, /2 replayers connected/);
  assert.match(text, /42 routes active/);
  assert.match(text, /captured +250\/s +5k total/);
  assert.match(text, /routed +249\/s +4\.99k total/);
  assert.match(text, /held +0\/s +4 total/);
  assert.match(text, /unroutable +1\/s +6 total/);
  assert.match(text, /dropped +0\/s +0 total/);
});

test('one replayer is singular', () => {
  const view = render(
    <InterceptView progress={interceptProgress({ replayersConnected: 1 })} onStop={() => {}} />,
  );
  assert.match(view.lastFrame() ?? '', /1 replayer connected/);
});

test('Ctrl-C stops', async () => {
  let stops = 0;
  const view = render(<InterceptView progress={interceptProgress()} onStop={() => stops++} />);
  await settle();
  view.stdin.write('\x03');
  await settle();
  assert.equal(stops, 1);
});
