import { MSS_LIMITS } from '../../transport/segment-size.ts';
import { MAX_RECONNECTS, SESSION_TIMEOUT_S } from '../option-defaults.ts';
import { responseQuietUs as quietUs, RESPONSE_QUIET } from '../response-quiet.ts';
import type { EngineOptions } from './types.ts';

const DEFAULT_ENGINE_OPTIONS: Readonly<EngineOptions> = {
  speed: 1,
  noWait: false,
  synRetries: 3,
  synRtoUs: 1_000_000,
  minRtoUs: 200_000,
  maxInitialRtoUs: 3_000_000,
  maxRtoUs: 60_000_000,
  responseQuiet: RESPONSE_QUIET,
  delayedAckUs: 1_000,
  sessionTimeoutUs: SESSION_TIMEOUT_S * 1_000_000,
  maxReconnects: MAX_RECONNECTS,
};

/** Options with defaults filled in, checked: a bad value is a programming error here (the CLI validates flags). */
export function resolveEngineOptions(given: Partial<EngineOptions> | undefined): EngineOptions {
  const options = { ...DEFAULT_ENGINE_OPTIONS, ...given };
  if (!(options.speed > 0)) throw new RangeError(`engine: speed must be > 0, got ${options.speed}`);
  if (
    options.mss !== undefined &&
    !(Number.isInteger(options.mss) && options.mss >= MSS_LIMITS.min && options.mss <= MSS_LIMITS.max)
  ) {
    throw new RangeError(
      `engine: mss must be an integer in ${MSS_LIMITS.min}..${MSS_LIMITS.max}, got ${options.mss}`,
    );
  }
  for (const key of ['synRetries', 'maxReconnects'] as const) {
    if (!(Number.isInteger(options[key]) && options[key] >= 0)) {
      throw new RangeError(`engine: ${key} must be a non-negative integer, got ${options[key]}`);
    }
  }
  return options;
}

/** The first data RTO: three captured RTTs (RFC 6298's srtt + 4 * rtt/2), bounded; 1 s without one. */
export function initialRtoUs(options: EngineOptions, capturedRttUs: number | undefined): number {
  if (capturedRttUs === undefined || !(capturedRttUs > 0))
    return Math.min(1_000_000, options.maxInitialRtoUs);
  return Math.min(options.maxInitialRtoUs, Math.max(options.minRtoUs, 3 * capturedRttUs));
}

/** How long the response must stay quiet before the next request goes (../response-quiet.ts). */
export function responseQuietUs(options: EngineOptions, capturedRttUs: number | undefined): number {
  return quietUs(capturedRttUs, options.speed, options.responseQuiet);
}
