/** startLiveView bound to each command's view and plain line. */

import { formatInterceptLine, formatRecordLine, formatReplayLine } from './lines.ts';
import { type LiveViewHandle, type LiveViewOptions, startLiveView } from './live.ts';
import type {
  InterceptProgress,
  RecordProgress,
  ReplayHandlers,
  ReplayProgress,
  StopHandlers,
} from './progress.ts';

export type LiveViewSettings = Omit<
  LiveViewOptions<unknown, StopHandlers>,
  'snapshot' | 'loadView' | 'handlers' | 'formatLine'
>;

export function startReplayLiveView(
  snapshot: () => ReplayProgress,
  handlers: ReplayHandlers,
  settings: LiveViewSettings = {},
): LiveViewHandle {
  return startLiveView({
    ...settings,
    snapshot,
    handlers,
    loadView: async () => (await import('./replay-view.tsx')).ReplayView,
    formatLine: formatReplayLine,
  });
}

export function startRecordLiveView(
  snapshot: () => RecordProgress,
  handlers: StopHandlers,
  settings: LiveViewSettings = {},
): LiveViewHandle {
  return startLiveView({
    ...settings,
    snapshot,
    handlers,
    loadView: async () => (await import('./record-view.tsx')).RecordView,
    formatLine: formatRecordLine,
  });
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
    loadView: async () => (await import('./intercept-view.tsx')).InterceptView,
    formatLine: formatInterceptLine,
  });
}
