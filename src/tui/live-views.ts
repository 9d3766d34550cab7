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

/** A command's starter: its view (loaded only when mounted) and its plain line, bound once. */
function liveViewOf<P, H extends StopHandlers>(
  loadView: LiveViewOptions<P, H>['loadView'],
  formatLine: (progress: P) => string,
) {
  return (snapshot: () => P, handlers: H, settings: LiveViewSettings = {}): LiveViewHandle =>
    startLiveView({ ...settings, snapshot, handlers, loadView, formatLine });
}

export const startReplayLiveView = liveViewOf<ReplayProgress, ReplayHandlers>(
  async () => (await import('./replay-view.tsx')).ReplayView,
  formatReplayLine,
);

export const startRecordLiveView = liveViewOf<RecordProgress, StopHandlers>(
  async () => (await import('./record-view.tsx')).RecordView,
  formatRecordLine,
);

export const startInterceptLiveView = liveViewOf<InterceptProgress, StopHandlers>(
  async () => (await import('./intercept-view.tsx')).InterceptView,
  formatInterceptLine,
);
