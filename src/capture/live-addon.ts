import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { LiveDevice } from './live.ts';
import { LiveCaptureError, type LiveCaptureProblem } from './live-error.ts';

/**
 * reprise's own native addon (native/pcap): the libpcap binding (reprise_pcap.c) and the raw IPv4
 * sender (raw_sender.c), loaded on first use so that a machine without libpcap runs everything
 * that does not capture or send raw packets. Built by scripts/setup.sh.
 */

/** An open libpcap handle, owned by the addon. */
export type NativeHandle = { readonly __brand: 'reprise-pcap-handle' };

export interface NativeOpenOptions {
  filter: string;
  snapLength: number;
  bufferSize: number;
  timeoutMs: number;
  immediate: boolean;
  promiscuous: boolean;
}

/** count >= 0: `count` records in batch[0, bytesOrError). count -1: the capture failed. */
export type NativeBatchListener = (count: number, bytesOrError: number | string) => void;

export interface NativeStats {
  received: number;
  dropped: number;
  ifDropped: number;
}

export interface PcapAddon {
  devices(): LiveDevice[];
  open(
    device: string,
    options: NativeOpenOptions,
    batch: Buffer,
    onBatch: NativeBatchListener,
  ): { handle: NativeHandle; linkType: number; nanosecond: boolean };
  stats(handle: NativeHandle): NativeStats;
  close(handle: NativeHandle): void;
  openInjector(device: string): { handle: NativeHandle; linkType: number };
  inject(handle: NativeHandle, frame: Uint8Array, length: number): void;
  /** A raw IPv4 socket drained by a thread of its own through a ring of `ringBytes` (native/pcap/raw_sender.c). */
  openRawSender(ringBytes: number): RawSenderHandle;
  /** Queues a whole IPv4 packet for its destination; false when the ring has no room (nothing queued). */
  rawSend(handle: RawSenderHandle, packet: Uint8Array, length: number): boolean;
  /** Has the thread send what rawSend queued (one wake-up, a syscall, per batch rather than per packet). */
  rawFlush(handle: RawSenderHandle): void;
  rawSenderStats(handle: RawSenderHandle): NativeSenderStats;
  /** Stops the thread and closes the socket; what is still queued counts as failed ('Operation canceled'). Idempotent. */
  closeRawSender(handle: RawSenderHandle): void;
}

export type RawSenderHandle = { readonly __brand: 'reprise-raw-sender' };

export interface NativeSenderStats {
  sent: number;
  failed: number;
  /** Sends tried again after the kernel had no buffer for them (ENOBUFS). */
  retried: number;
  /** Bytes of ring in use. */
  queued: number;
  /** Failures by the kernel's error message. */
  errors: Record<string, number>;
}

const ADDON = 'native/pcap/build/Release/reprise_pcap.node';
/** From src/capture/ (sources) and from dist/ (the bundle). */
const CANDIDATES = [new URL(`../../${ADDON}`, import.meta.url), new URL(`../${ADDON}`, import.meta.url)];

let addon: PcapAddon | undefined;

export function loadPcapAddon(): PcapAddon {
  addon ??= loadAddonFrom(CANDIDATES.map((url) => fileURLToPath(url)));
  return addon;
}

/** Loads the first of `paths` that exists; throws LiveCaptureError('unavailable') naming what is missing. */
export function loadAddonFrom(paths: string[]): PcapAddon {
  const path = paths.find((p) => existsSync(p));
  if (!path) {
    throw new LiveCaptureError(
      'unavailable',
      `live capture needs reprise's libpcap addon (${ADDON}), which is not built: ` +
        'install libpcap-dev (apt-get install libpcap-dev) and run scripts/setup.sh',
    );
  }
  try {
    return createRequire(import.meta.url)(path) as PcapAddon;
  } catch (err) {
    throw new LiveCaptureError(
      'unavailable',
      `live capture needs libpcap: ${path} did not load (${(err as Error).message}); ` +
        'install libpcap (apt-get install libpcap-dev) and run scripts/setup.sh',
    );
  }
}

const PROBLEMS: readonly string[] = [
  'unknown-device',
  'device-down',
  'bad-filter',
  'no-privilege',
  'open-failed',
] satisfies LiveCaptureProblem[];

/** The addon throws Errors whose `code` names the problem; anything else is a failed open. */
export function problemOf(err: unknown): LiveCaptureProblem {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && PROBLEMS.includes(code) ? (code as LiveCaptureProblem) : 'open-failed';
}
