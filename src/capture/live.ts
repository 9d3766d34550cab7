import { newRecord } from './cursor.ts';
import { PCAP_MAX_SNAPLEN } from './limits.ts';
import { loadPcapAddon, type NativeHandle, problemOf } from './live-addon.ts';
import { batchRecordSize, walkBatch } from './live-batch.ts';
import { LiveCaptureError } from './live-error.ts';
import { type CaptureRecord, LinkType } from './record.ts';

/**
 * Live capture over libpcap, through reprise's own addon (native/pcap). libpcap hands packets
 * over in batches with its own timestamps (nanoseconds where the kernel gives them) and the
 * packets' original lengths; `onPacket` sees them one at a time in one reused record, valid only
 * during the call. `stats()` is libpcap's pcap_stats.
 */

export { LiveCaptureError, type LiveCaptureProblem } from './live-error.ts';
export { openPacketInjector, type PacketInjector } from './live-injector.ts';

export interface LiveDevice {
  name: string;
  description?: string;
  addresses: string[];
  up: boolean;
  loopback: boolean;
}

export interface LiveCaptureOptions {
  /** Interface name, or `any` for all of them (Linux cooked link type). */
  device: string;
  /** BPF filter expression; empty captures everything. */
  filter?: string;
  /** Bytes kept per packet; longer packets are cut (default: whole packets, up to PCAP_MAX_SNAPLEN). */
  snapLength?: number;
  /** Kernel capture buffer in bytes (default DEFAULT_BUFFER_SIZE). */
  bufferSize?: number;
  /**
   * Deliver each packet as soon as it arrives (default). Off, libpcap hands over fuller batches,
   * at most `timeoutMs` late: less CPU per packet for recorders that do not need the latency.
   */
  immediate?: boolean;
  /** With `immediate` off, the longest a packet waits in the kernel (default 100 ms). */
  timeoutMs?: number;
  /** The capture failed after opening (the device went away); no packet follows. Default: thrown. */
  onError?: (error: LiveCaptureError) => void;
}

export interface LiveCaptureStats {
  /** Packets that passed the filter, according to libpcap (pcap_stats ps_recv). */
  received: number;
  /** Packets the kernel dropped for lack of buffer space (ps_drop). */
  dropped: number;
  /** Packets the interface itself dropped since the capture opened (ps_ifdrop). */
  ifDropped: number;
  /** Packets handed to `onPacket`. */
  delivered: number;
}

export interface LiveCapture {
  readonly device: string;
  /** Link type of the captured frames (a `LinkType` value, or another LINKTYPE_ number). */
  readonly linkType: number;
  readonly snapLength: number;
  stats(): LiveCaptureStats;
  /** Stops capturing; no callback runs after this returns. Safe to call twice. */
  close(): void;
}

export const DEFAULT_BUFFER_SIZE = 256 * 1024 * 1024;
/** The largest kernel buffer libpcap takes (an int of bytes), in KiB: the -B flags' ceiling. */
export const MAX_BUFFER_KIB = Math.floor((2 ** 31 - 1) / 1024);
const MIN_BATCH_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 100;

export function listDevices(): LiveDevice[] {
  try {
    return loadPcapAddon().devices();
  } catch (err) {
    if (err instanceof LiveCaptureError) throw err;
    throw new LiveCaptureError('open-failed', `cannot list capture devices: ${(err as Error).message}`);
  }
}

export function openLiveCapture(
  options: LiveCaptureOptions,
  onPacket: (record: CaptureRecord) => void,
): LiveCapture {
  const addon = loadPcapAddon();
  const { device } = options;
  const filter = options.filter ?? '';
  const snapLength = Math.min(options.snapLength ?? PCAP_MAX_SNAPLEN, PCAP_MAX_SNAPLEN);
  if (!Number.isInteger(snapLength) || snapLength < 1) {
    throw new LiveCaptureError(
      'open-failed',
      `snap length must be a positive integer, got ${options.snapLength}`,
    );
  }
  const batch = Buffer.alloc(Math.max(MIN_BATCH_BYTES, 4 * batchRecordSize(snapLength)));
  const record = newRecord();
  record.fileOffset = -1;
  record.buf = batch;
  let delivered = 0;
  let open = true;
  const stillOpen = () => open;
  const onError =
    options.onError ??
    ((error: LiveCaptureError) => {
      throw error;
    });

  let opened: { handle: NativeHandle; linkType: number; nanosecond: boolean };
  try {
    opened = addon.open(
      device,
      {
        filter,
        snapLength,
        bufferSize: Math.min(options.bufferSize ?? DEFAULT_BUFFER_SIZE, 2 ** 31 - 1),
        immediate: options.immediate ?? true,
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        promiscuous: true,
      },
      batch,
      (count, bytesOrError) => {
        if (!open) return;
        if (count < 0) {
          open = false;
          addon.close(opened.handle);
          onError(new LiveCaptureError('open-failed', `capture on '${device}' failed: ${bytesOrError}`));
          return;
        }
        const bytes = bytesOrError as number;
        delivered += walkBatch(
          batch,
          count,
          bytes,
          opened.nanosecond,
          delivered,
          record,
          onPacket,
          stillOpen,
        );
      },
    );
  } catch (err) {
    throw explainOpenFailure(err, device, filter);
  }
  const linkType = linkTypeOf(opened.linkType);
  record.linkType = linkType;
  const { handle } = opened;

  return {
    device,
    linkType,
    snapLength,
    stats() {
      return { ...addon.stats(handle), delivered };
    },
    close() {
      if (!open) return;
      open = false;
      addon.close(handle);
    },
  };
}

function explainOpenFailure(err: unknown, device: string, filter: string): LiveCaptureError {
  const message = (err as Error).message;
  switch (problemOf(err)) {
    case 'no-privilege':
      return new LiveCaptureError(
        'no-privilege',
        `capturing on '${device}' needs root or the CAP_NET_RAW capability (libpcap: ${message})`,
      );
    case 'unknown-device':
      return new LiveCaptureError(
        'unknown-device',
        `no capture device '${device}'; available: ${availableDevices()} (libpcap: ${message})`,
      );
    case 'device-down':
      return new LiveCaptureError(
        'device-down',
        `device '${device}' is down: bring it up first (libpcap: ${message})`,
      );
    case 'bad-filter':
      return new LiveCaptureError('bad-filter', `bad filter '${filter}': ${message}`);
    default:
      return new LiveCaptureError('open-failed', `cannot capture on '${device}': ${message}`);
  }
}

function availableDevices(): string {
  try {
    const names = listDevices().map((d) => d.name);
    return names.length > 0 ? names.join(', ') : '(none)';
  } catch {
    return '(cannot list them)';
  }
}

/** DLT_RAW is 12 (14 on OpenBSD) in libpcap's API and 101 in capture files; the rest match. */
function linkTypeOf(dlt: number): number {
  return dlt === 12 || dlt === 14 ? LinkType.RAW : dlt;
}
