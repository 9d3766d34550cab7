import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LiveClock } from './live-clock.ts';
import { wireLengthOf } from './live-wire-length.ts';
import { type CaptureRecord, LinkType } from './record.ts';

/**
 * Live capture over libpcap, through the `cap` package (0.2.1). What cap gives, and what it does
 * not:
 * - Packets arrive one callback at a time in one reused buffer; the record handed to `onPacket`
 *   is valid only during the call.
 * - No libpcap timestamps: records are stamped on arrival in JavaScript (see live-clock.ts).
 * - No original length: it is recovered from the IP header when the packet was cut.
 * - No pcap_stats: the kernel's drop count is not available (`dropped: null`). `ifDropped` is the
 *   interface's own rx_dropped counter since the capture opened, when the device has one.
 * - Immediate mode is always on (cap sets it on Linux); libpcap's snap length is fixed at 65535,
 *   and `snapLength` cuts packets further by sizing the copy buffer.
 */

export interface LiveDevice {
  name: string;
  description?: string;
  addresses: string[];
}

export interface LiveCaptureOptions {
  /** Interface name, or `any` for all of them (Linux cooked link type). */
  device: string;
  /** BPF filter expression; empty captures everything. */
  filter?: string;
  /** Bytes kept per packet; longer packets are cut (default: whole packets, up to 65535). */
  snapLength?: number;
  /** Kernel capture buffer in bytes (default 32 MiB). */
  bufferSize?: number;
}

export interface LiveCaptureStats {
  /** Packets handed to `onPacket`. */
  received: number;
  /** Packets the kernel dropped for lack of buffer space; null: cap does not expose pcap_stats. */
  dropped: number | null;
  /** Packets the interface itself dropped since the capture opened; null when not known. */
  ifDropped: number | null;
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

export type LiveCaptureProblem =
  | 'unavailable'
  | 'unknown-device'
  | 'device-down'
  | 'bad-filter'
  | 'no-privilege'
  | 'open-failed';

export class LiveCaptureError extends Error {
  constructor(
    readonly problem: LiveCaptureProblem,
    message: string,
  ) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}

export const MAX_SNAP_LENGTH = 65535;
export const DEFAULT_BUFFER_SIZE = 256 * 1024 * 1024;

interface CapDevice {
  name: string;
  description?: string;
  addresses?: { addr?: string }[];
}

interface CapHandle {
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (length: number, truncated: boolean) => void): void;
  removeAllListeners(event: 'packet'): void;
}

interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

let capModule: CapModule | undefined;

function loadCap(): CapModule {
  if (capModule) return capModule;
  try {
    capModule = createRequire(import.meta.url)('cap') as CapModule;
    return capModule;
  } catch (err) {
    throw new LiveCaptureError(
      'unavailable',
      `live capture needs the 'cap' package (libpcap), which did not load: ${(err as Error).message}. ` +
        'Install libpcap-dev and run npm install.',
    );
  }
}

export function listDevices(): LiveDevice[] {
  return loadCap()
    .Cap.deviceList()
    .map((d) => ({
      name: d.name,
      ...(d.description ? { description: d.description } : {}),
      addresses: (d.addresses ?? []).flatMap((a) => (a.addr ? [a.addr] : [])),
    }));
}

/**
 * Handles whose open failed. cap's native close() and destructor abort the process on a handle
 * whose open threw half-way, so such handles are kept reachable (never garbage collected) and
 * never closed. Each holds at most one libpcap socket until the process exits.
 */
const failedHandles: CapHandle[] = [];

export function openLiveCapture(
  options: LiveCaptureOptions,
  onPacket: (record: CaptureRecord) => void,
): LiveCapture {
  const { Cap } = loadCap();
  const device = options.device;
  const filter = options.filter ?? '';
  const snapLength = Math.min(options.snapLength ?? MAX_SNAP_LENGTH, MAX_SNAP_LENGTH);
  if (!Number.isInteger(snapLength) || snapLength < 1) {
    throw new LiveCaptureError(
      'open-failed',
      `snap length must be a positive integer, got ${options.snapLength}`,
    );
  }
  const devices = Cap.deviceList().map((d) => d.name);
  if (!devices.includes(device)) throw unknownDevice(device, devices);

  const cap = new Cap();
  const buffer = Buffer.alloc(snapLength);
  let linkName: string;
  try {
    linkName = cap.open(device, filter, options.bufferSize ?? DEFAULT_BUFFER_SIZE, buffer);
  } catch (err) {
    failedHandles.push(cap);
    throw explainOpenFailure((err as Error).message, device, filter, devices);
  }
  const linkType = linkTypeOf(linkName);
  const ifDroppedAtOpen = readInterfaceDrops(device);
  const clock = new LiveClock();
  const record: CaptureRecord = {
    index: 0,
    fileOffset: -1,
    linkType,
    interfaceId: 0,
    tsSec: 0,
    tsNsec: 0,
    capturedLength: 0,
    originalLength: 0,
    buf: buffer,
    offset: 0,
  };
  let received = 0;
  let open = true;

  cap.on('packet', (length, truncated) => {
    if (!open) return;
    clock.stamp(record);
    record.index = received++;
    record.capturedLength = length;
    record.originalLength =
      truncated || length === MAX_SNAP_LENGTH ? wireLengthOf(linkType, buffer, length) : length;
    onPacket(record);
  });

  return {
    device,
    linkType,
    snapLength,
    stats() {
      const now = readInterfaceDrops(device);
      return {
        received,
        dropped: null,
        ifDropped: now === null || ifDroppedAtOpen === null ? null : now - ifDroppedAtOpen,
      };
    },
    close() {
      if (!open) return;
      open = false;
      cap.removeAllListeners('packet');
      cap.close();
    },
  };
}

function unknownDevice(device: string, devices: string[]): LiveCaptureError {
  return new LiveCaptureError(
    'unknown-device',
    `no capture device '${device}'; available: ${devices.length > 0 ? devices.join(', ') : '(none)'}`,
  );
}

function explainOpenFailure(
  message: string,
  device: string,
  filter: string,
  devices: string[],
): LiveCaptureError {
  if (/permission|not permitted/i.test(message)) {
    return new LiveCaptureError(
      'no-privilege',
      `capturing on '${device}' needs root or the CAP_NET_RAW capability (libpcap: ${message})`,
    );
  }
  if (/no such device/i.test(message)) return unknownDevice(device, devices);
  if (/not up/i.test(message)) {
    return new LiveCaptureError(
      'device-down',
      `device '${device}' is down: bring it up first (libpcap: ${message})`,
    );
  }
  // Messages from opening the device name a system call; anything else comes from compiling the filter.
  const fromActivation = /^(socket|bind|ioctl|setsockopt|mmap|Unable to set)|SIOC/i.test(message);
  if (filter !== '' && !fromActivation) {
    return new LiveCaptureError('bad-filter', `bad filter '${filter}': ${message}`);
  }
  return new LiveCaptureError('open-failed', `cannot capture on '${device}': ${message}`);
}

/** cap names the link types it knows; other ones come back as "Unknown linktype N". */
function linkTypeOf(name: string): number {
  switch (name) {
    case 'ETHERNET':
      return LinkType.ETHERNET;
    case 'NULL':
      return LinkType.NULL;
    case 'RAW':
      return LinkType.RAW;
    case 'LINKTYPE_LINUX_SLL':
    case 'LINUX_SLL':
      return LinkType.LINUX_SLL;
    case 'IEEE802_11_RADIO':
      return 127;
  }
  const unknown = /(\d+)$/.exec(name);
  if (unknown) return Number(unknown[1]);
  throw new LiveCaptureError('open-failed', `libpcap reported a link type reprise cannot name: ${name}`);
}

function readInterfaceDrops(device: string): number | null {
  if (device === 'any' || device.includes('/')) return null;
  try {
    return Number(readFileSync(`/sys/class/net/${device}/statistics/rx_dropped`, 'utf8').trim());
  } catch {
    return null;
  }
}
