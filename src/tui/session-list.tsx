import { Box, Text } from 'ink';
import { formatMs } from './format.ts';
import type { SessionLine } from './progress.ts';

const SHOWN = 10;

/** The `s` list: slowest and failed sessions, as the producer ordered them. */
export function SessionList({ sessions }: { sessions: SessionLine[] }) {
  if (sessions.length === 0) return <Text dimColor>no slow or failed sessions yet</Text>;
  return (
    <Box flexDirection="column">
      <Text underline>slowest and failed sessions</Text>
      {sessions.slice(0, SHOWN).map((s, i) => (
        // A session id repeats across --multiply copies and --loop rounds.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Text key={i} wrap="truncate-end">
          #{s.sessionId} {s.client} <Text color={outcomeColor(s.outcome)}>{s.outcome ?? 'active'}</Text>
          {s.slowestMs !== undefined && ` slowest ${formatMs(s.slowestMs)}`}
          {s.reason !== undefined && <Text dimColor> {s.reason}</Text>}
        </Text>
      ))}
    </Box>
  );
}

function outcomeColor(outcome: SessionLine['outcome']): string | undefined {
  if (outcome === undefined) return 'cyan';
  return outcome === 'completed' ? 'green' : 'red';
}
