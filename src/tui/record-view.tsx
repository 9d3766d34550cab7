import { Box, Text, useInput } from 'ink';
import { formatBytes, formatCount, formatDuration, formatRate } from './format.ts';
import { isStopKey } from './keys.ts';
import { KeysFooter } from './keys-footer.tsx';
import { formatServerPorts, rotationSuffix } from './lines.ts';
import type { RecordProgress, StopHandlers } from './progress.ts';

export interface RecordViewProps extends StopHandlers {
  progress: RecordProgress;
}

export function RecordView({ progress: p, onStop }: RecordViewProps) {
  useInput((input, key) => {
    if (isStopKey(input, key)) onStop();
  });
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>reprise record</Text> <Text color="green">● recording</Text> elapsed{' '}
        {formatDuration(p.elapsedMs)}
      </Text>
      <Text>
        packets <Text bold>{formatCount(p.packets)}</Text> {formatBytes(p.bytes)}{' '}
        <Text bold>{formatRate(p.packetsPerSecond)}</Text>{' '}
        <Text color={p.dropped > 0 ? 'red' : undefined}>dropped {formatCount(p.dropped)}</Text>
      </Text>
      <Text>
        TCP sessions {formatCount(p.sessionsSeen)} seen {formatCount(p.sessionsActive)} active · server ports{' '}
        {formatServerPorts(p.serverPorts, 5)}
      </Text>
      <Text>
        file {p.fileName}
        {rotationSuffix(p.rotationIndex)} {formatBytes(p.fileBytes)}
      </Text>
      <KeysFooter keys={[['q', 'stop']]} />
    </Box>
  );
}
