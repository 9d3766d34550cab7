import type { CaptureRecord } from '../capture/record.ts';

/**
 * Where the intercept gets the target's responses: libpcap in production (capture.ts), injected
 * frames in tests. Each record is valid only during the callback.
 */
export interface ResponseSource {
  /** Describes the source for logs and the live view (device and filter). */
  readonly device: string;
  readonly filter: string;
  start(onPacket: (record: CaptureRecord) => void): void;
  stop(): void;
}
