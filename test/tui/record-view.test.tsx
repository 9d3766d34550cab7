import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { RecordView } from '../../src/tui/record-view.tsx';
import { recordProgress } from './samples.ts';
import { settle } from './settle.ts';

afterEach(cleanup);

test('shows packets, rate, sessions, busiest ports, drops and the current file', () => {
  const view = render(<RecordView progress={recordProgress()} onStop={() => {}} />);
  const text = view.lastFrame() ?? '';
  assert.match(text, /packets 123k 48\.0 MiB 10\.5k\/s/);
  assert.match(text, /dropped 0/);
  assert.match(text, /2\.35k seen 17 active/);
  assert.match(text, /server ports 80 \(2k\), 6379 \(300\), 443 \(45\)/);
  assert.match(text, /traffic\.pcap \(file 3\) 16\.0 MiB/);
  assert.match(text, /elapsed 1:05/);
  assert.match(text, /q stop/);
});

test('without rotation there is no file number, without traffic no ports', () => {
  const view = render(
    <RecordView progress={recordProgress({ rotationIndex: undefined, serverPorts: [] })} onStop={() => {}} />,
  );
  const text = view.lastFrame() ?? '';
  assert.doesNotMatch(text, /\(file/);
  assert.match(text, /server ports -/);
});

test('q stops', async () => {
  let stops = 0;
  const view = render(<RecordView progress={recordProgress()} onStop={() => stops++} />);
  await settle();
  view.stdin.write('x');
  view.stdin.write('q');
  await settle();
  assert.equal(stops, 1);
});
