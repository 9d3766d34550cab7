import { type LiveCapture, openLiveCapture } from '../capture/live.ts';
import type { CaptureRecord } from '../capture/record.ts';
import type { ResponseSource } from './response-source.ts';

/**
 * Enough bytes of each packet for the link header (SLL2, VLAN tags), an IPv4 header with options
 * and a TCP header with options: intercept never needs the payload.
 */
const HEADER_SNAP_LENGTH = 256;

/**
 * The kernel capture buffer absorbs bursts while the intercept is not scheduled. With the
 * 256-byte snap length a slot is small, so 64 MiB holds a few hundred thousand responses.
 */
export const DEFAULT_PCAP_BUFFER_KIB = 64 * 1024;

/**
 * Responses are handed over in batches at least every millisecond instead of one wake-up per
 * packet: a quarter of the capture's CPU cost, for at most 1 ms more latency (intercept 1.0
 * waits up to 10 ms, and frames are flushed within a couple of ms anyway).
 */
const BATCH_TIMEOUT_MS = 1;

/** The target's responses, captured live with libpcap (through capture/live.ts). */
export class LiveResponseSource implements ResponseSource {
  private capture: LiveCapture | undefined;

  constructor(
    readonly device: string,
    readonly filter: string,
    /** Kernel capture buffer: what absorbs bursts while the intercept is not scheduled. */
    private readonly bufferBytes = DEFAULT_PCAP_BUFFER_KIB * 1024,
  ) {}

  /** Opens the device; throws LiveCaptureError (unknown device, bad filter, no privilege). */
  start(onPacket: (record: CaptureRecord) => void, onFailure: (error: Error) => void): void {
    this.capture = openLiveCapture(
      {
        device: this.device,
        filter: this.filter,
        snapLength: HEADER_SNAP_LENGTH,
        bufferSize: this.bufferBytes,
        immediate: false,
        timeoutMs: BATCH_TIMEOUT_MS,
        onError: (error) => {
          this.capture = undefined;
          onFailure(error);
        },
      },
      onPacket,
    );
  }

  stop(): void {
    this.capture?.close();
    this.capture = undefined;
  }
}
