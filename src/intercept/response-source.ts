import type { CaptureRecord } from '../capture/record.ts';

/**
 * Where the intercept gets the target's responses: libpcap in production (capture.ts), injected
 * frames in tests. Each record is valid only during the callback.
 */
export interface ResponseSource {
  /** Describes the source for logs and the live view (device and filter). */
  readonly device: string;
  readonly filter: string;
  /**
   * Starts delivering records. `onFailure` runs once if the source dies after starting (the device
   * went away); no record follows it.
   */
  start(onPacket: (record: CaptureRecord) => void, onFailure: (error: Error) => void): void;
  stop(): void;
}
