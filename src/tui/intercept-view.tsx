import { Box, Text, useInput } from 'ink';
import { plural } from '../util/plural.ts';
import { formatCount, formatDuration, formatRate } from './format.ts';
import { isStopKey } from './keys.ts';
import { KeysFooter } from './keys-footer.tsx';
import type { InterceptCounters, InterceptProgress, StopHandlers } from './progress.ts';

export interface InterceptViewProps extends StopHandlers {
  progress: InterceptProgress;
}

/** Counters that mean responses went nowhere: shown in red once non-zero. */
const LOSSES: ReadonlySet<keyof InterceptCounters> = new Set(['unroutable', 'dropped']);
const COUNTERS = ['captured', 'routed', 'held', 'unroutable', 'dropped'] as const;

export function InterceptView({ progress: p, onStop }: InterceptViewProps) {
  useInput((input, key) => {
    if (isStopKey(input, key)) onStop();
  });
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>reprise intercept</Text> up {formatDuration(p.uptimeMs)} ·{' '}
        <Text color={p.replayersConnected > 0 ? 'green' : 'yellow'}>
          {plural(p.replayersConnected, 'replayer')} connected
        </Text>{' '}
        · {formatCount(p.routesActive)} routes active
      </Text>
      {COUNTERS.map((name) => (
        <Text key={name} color={LOSSES.has(name) && p.totals[name] > 0 ? 'red' : undefined}>
          {name.padEnd(11)}
          {formatRate(p.perSecond[name]).padStart(9)} {formatCount(p.totals[name]).padStart(7)} total
        </Text>
      ))}
      <KeysFooter keys={[['q', 'stop']]} />
    </Box>
  );
}
