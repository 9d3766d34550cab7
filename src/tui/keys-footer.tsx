import { Text } from 'ink';

/** The last line of every view: `q stop · p pause · …`. */
export function KeysFooter({ keys }: { keys: ReadonlyArray<readonly [key: string, action: string]> }) {
  return (
    <Text dimColor>
      {keys.map(([key, action], i) => (
        <Text key={key}>
          {i > 0 && ' · '}
          <Text bold>{key}</Text> {action}
        </Text>
      ))}
    </Text>
  );
}
