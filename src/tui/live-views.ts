/** startLiveView bound to each command's view and plain line. */

import { InterceptView } from './intercept-view.tsx';
import { formatInterceptLine, formatRecordLine, formatReplayLine } from './lines.ts';
import { type LiveViewHandle, type LiveViewOptions, startLiveView } from './live.ts';
import type {
  InterceptProgress,
  RecordProgress,
  ReplayHandlers,
  ReplayProgress,
  StopHandlers,
} from './progress.ts';
import { RecordView } from './record-view.tsx';
import { ReplayView } from './replay-view.tsx';

export type LiveViewSettings = Omit<
  LiveViewOptions<unknown, StopHandlers>,
  'snapshot' | 'View' | 'handlers' | 'formatLine'
>;

export function startReplayLiveView(
  snapshot: () => ReplayProgress,
  handlers: ReplayHandlers,
  settings: LiveViewSettings = {},
): LiveViewHandle {
  return startLiveView({ ...settings, snapshot, handlers, View: ReplayView, formatLine: formatReplayLine });
}

export function startRecordLiveView(
  snapshot: () => RecordProgress,
  handlers: StopHandlers,
  settings: LiveViewSettings = {},
): LiveViewHandle {
  return startLiveView({ ...settings, snapshot, handlers, View: RecordView, formatLine: formatRecordLine });
}

export function startInterceptLiveView(
  snapshot: () => InterceptProgress,
  handlers: StopHandlers,
  settings: LiveViewSettings = {},
): LiveViewHandle {
  return startLiveView({
    ...settings,
    snapshot,
    handlers,
    View: InterceptView,
    formatLine: formatInterceptLine,
  });
}
