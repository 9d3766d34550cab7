import { Box, Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import { sessionEndings } from './failures.ts';
import {
  formatCount,
  formatDuration,
  formatMs,
  formatPercent,
  formatRate,
  formatSpeed,
  fractionOf,
  progressBar,
} from './format.ts';
import { isStopKey } from './keys.ts';
import { KeysFooter } from './keys-footer.tsx';
import type { ReplayHandlers, ReplayProgress } from './progress.ts';
import { SessionList } from './session-list.tsx';
import { stepSpeed } from './speed.ts';

export interface ReplayViewProps extends ReplayHandlers {
  progress: ReplayProgress;
}

const BAR_WIDTH = 30;
const ERRORS_SHOWN = 3;

export function ReplayView({ progress, onStop, onPauseToggle, onSpeedChange }: ReplayViewProps) {
  const [showSessions, setShowSessions] = useState(false);
  /**
   * The speed last asked for, and the shown speed it was asked from. Until a snapshot shows the
   * change, the next step goes from the speed asked, so that keys pressed between refreshes add up.
   */
  const asked = useRef<{ from: number; to: number } | undefined>(undefined);
  const stepSpeedBy = (direction: 'faster' | 'slower') => {
    const last = asked.current;
    const current = last !== undefined && last.from === progress.speed ? last.to : progress.speed;
    const next = stepSpeed(current, direction);
    if (next === undefined) return;
    asked.current = { from: progress.speed, to: next };
    onSpeedChange(next);
  };
  useInput((input, key) => {
    // Keys that arrive in one read (a held key, a paste) each count.
    for (const char of input) {
      if (isStopKey(char, key)) onStop();
      else if (char === 'p') onPauseToggle();
      else if (char === 's') setShowSessions((shown) => !shown);
      else if (char === '+' || char === '-') stepSpeedBy(char === '+' ? 'faster' : 'slower');
    }
  });
  return (
    <Box flexDirection="column">
      <Header progress={progress} />
      <Timeline progress={progress} />
      <Sessions sessions={progress.sessions} />
      <Requests progress={progress} />
      <LastErrors errors={progress.lastErrors} />
      {showSessions && <SessionList sessions={progress.slowSessions ?? []} />}
      <KeysFooter
        keys={[
          ['q', 'stop'],
          ['p', progress.paused ? 'resume' : 'pause'],
          ['+/-', 'speed'],
          ['s', showSessions ? 'hide sessions' : 'slow/failed sessions'],
        ]}
      />
    </Box>
  );
}

function Header({ progress }: { progress: ReplayProgress }) {
  return (
    <Text>
      <Text bold>reprise replay</Text>{' '}
      {progress.paused ? (
        <Text color="yellow" bold>
          ⏸ PAUSED
        </Text>
      ) : (
        <Text color="green">▶ running</Text>
      )}{' '}
      speed <Text bold>{formatSpeed(progress.speed)}</Text>
    </Text>
  );
}

function Timeline({ progress }: { progress: ReplayProgress }) {
  const fraction = fractionOf(progress.timelineDoneUs, progress.timelineTotalUs);
  return (
    <Text>
      <Text color={progress.paused ? 'yellow' : 'green'}>{progressBar(fraction, BAR_WIDTH)}</Text>{' '}
      <Text bold>{formatPercent(fraction)}</Text> capture {formatDuration(progress.timelineDoneUs / 1000)}/
      {formatDuration(progress.timelineTotalUs / 1000)} elapsed {formatDuration(progress.elapsedMs)} ETA{' '}
      {formatDuration(progress.etaMs)}
    </Text>
  );
}

function Sessions({ sessions }: { sessions: ReplayProgress['sessions'] }) {
  const endings = sessionEndings(sessions.notCompleted);
  return (
    <Text>
      sessions {formatCount(sessions.planned)} planned {formatCount(sessions.active)} active{' '}
      <Text color="green">{formatCount(sessions.completed)} completed</Text>{' '}
      <Text color={endings.failed > 0 ? 'red' : undefined}>
        {formatCount(endings.failed)} failed{endings.failed > 0 ? ` (${endings.failedBreakdown})` : ''}
      </Text>
      {endings.notReplayed > 0 ? (
        <Text color="yellow">
          {' '}
          {formatCount(endings.notReplayed)} not replayed ({endings.notReplayedBreakdown})
        </Text>
      ) : null}
    </Text>
  );
}

function Requests({ progress }: { progress: ReplayProgress }) {
  const { requests, latencyMs, sendLagMs } = progress;
  return (
    <>
      <Text>
        requests {formatCount(requests.sent)} sent (<Text bold>{formatRate(requests.perSecond)}</Text>){' '}
        {formatCount(requests.answered)} answered
      </Text>
      <Text>
        latency p50 {formatMs(latencyMs?.p50)} p99 <Text bold>{formatMs(latencyMs?.p99)}</Text> send lag p50{' '}
        {formatMs(sendLagMs?.p50)} p99 {formatMs(sendLagMs?.p99)}
      </Text>
    </>
  );
}

function LastErrors({ errors }: { errors: string[] }) {
  if (errors.length === 0) return null;
  return (
    <Box flexDirection="column">
      {errors.slice(-ERRORS_SHOWN).map((error, i) => (
        // Errors repeat verbatim, so their position is the only stable key.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Text key={i} color="red" wrap="truncate-end">
          ! {error}
        </Text>
      ))}
    </Box>
  );
}
