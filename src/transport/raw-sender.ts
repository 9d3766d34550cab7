/**
 * Sends complete IPv4 packets (own IP header and checksums) through a raw socket (IPPROTO_RAW:
 * the kernel adds no header of its own) owned by reprise's native addon, which drains it from a
 * thread of its own (native/pcap/raw_sender.c): sendto runs the whole path to the wire, and on a
 * veth pair also the receiving host's TCP input, so the event loop only copies packets into the
 * addon's ring, and wakes the thread once per event-loop turn (a microtask after the first
 * packet), not per packet. When that ring is full, packets wait in order in a JavaScript queue and are
 * handed over as it drains. Failures the kernel reports are counted by error and the packet is
 * dropped (the session engine retransmits).
 */

import { loadPcapAddon, type PcapAddon, type RawSenderHandle } from '../capture/live-addon.ts';
import { LiveCaptureError } from '../capture/live-error.ts';
import { PacketQueue } from './raw-packet-queue.ts';

export interface SenderStats {
  sent: number;
  failed: number;
  /** Failures by error message. */
  errors: Record<string, number>;
  /** Sends tried again because the kernel had no buffer for them at first. */
  retried: number;
  /** Most packets waiting at once for room to be sent. */
  queuedPeak: number;
}

/** Where the raw transport hands its packets: an IP-layer or a link-layer sender. */
export interface PacketSender {
  readonly name: string;
  /** Copies the packet (the caller may reuse `packet` at once) and sends it in order. */
  send(packet: Uint8Array, length: number, dst: string): void;
  readonly stats: SenderStats;
  /** Sends what is still queued (for at most a couple of seconds), then releases the device. */
  close(): Promise<void>;
}

export class RawSenderError extends Error {
  override name = 'RawSenderError';
}

/** How long close() waits for queued packets (the sessions' final RSTs) to leave. */
const DRAIN_MS = 2000;
/** The addon's ring: room for ~50,000 small packets or 2,700 of 1500 bytes. */
const RING_BYTES = 4 * 1024 * 1024;
/** How often packets waiting for room in the ring are offered again. */
const RETRY_MS = 1;
/** The smallest ring the addon takes: room for two packets of 65,535 bytes and their headers. */
export const MIN_RING_BYTES = 2 * (8 + 65_535);
/** The error packets still queued at close count under (the addon's strerror(ECANCELED)). */
const NOT_SENT_BEFORE_CLOSE = 'Operation canceled';

export function emptySenderStats(): SenderStats {
  return { sent: 0, failed: 0, errors: {}, retried: 0, queuedPeak: 0 };
}

/** Counts one dropped packet under its error message. */
export function countFailure(stats: SenderStats, message: string): void {
  stats.failed++;
  stats.errors[message] = (stats.errors[message] ?? 0) + 1;
}

export class RawSocketSender implements PacketSender {
  readonly name = 'raw socket';
  private readonly addon: PcapAddon;
  private readonly handle: RawSenderHandle;
  /** Packets the ring had no room for, oldest first: later packets queue behind them. */
  private readonly waiting = new PacketQueue();
  private waitingPeak = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private flushQueued = false;
  private closed = false;
  /** Packets still waiting here when close() gave up on them (the addon counts its own). */
  private droppedAtClose = 0;

  /** `ringBytes`: the addon's ring (at least MIN_RING_BYTES). */
  constructor(ringBytes = RING_BYTES) {
    try {
      this.addon = loadPcapAddon();
    } catch (err) {
      if (err instanceof LiveCaptureError) {
        throw new RawSenderError(`the raw transport sends through reprise's native addon: ${err.message}`);
      }
      throw err;
    }
    try {
      this.handle = this.addon.openRawSender(ringBytes);
    } catch (err) {
      throw explainSocketFailure(err as Error);
    }
  }

  get stats(): SenderStats {
    // Readable after close too: the addon's counters live until the handle is collected.
    const native = this.addon.rawSenderStats(this.handle);
    const errors = { ...native.errors };
    if (this.droppedAtClose > 0) {
      errors[NOT_SENT_BEFORE_CLOSE] = (errors[NOT_SENT_BEFORE_CLOSE] ?? 0) + this.droppedAtClose;
    }
    return {
      sent: native.sent,
      failed: native.failed + this.droppedAtClose,
      errors,
      retried: native.retried,
      queuedPeak: this.waitingPeak,
    };
  }

  send(packet: Uint8Array, length: number, _dst: string): void {
    if (this.closed) return;
    if (this.waiting.size === 0 && this.addon.rawSend(this.handle, packet, length)) {
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(this.flush);
      }
      return;
    }
    this.waiting.push(packet, length);
    if (this.waiting.size > this.waitingPeak) this.waitingPeak = this.waiting.size;
    this.retryTimer ??= setTimeout(this.offerWaiting, RETRY_MS);
  }

  /** Waits up to `drainMs` for what is queued to leave; what is left then counts as failed. */
  async close(drainMs = DRAIN_MS): Promise<void> {
    if (this.closed) return;
    const deadline = Date.now() + drainMs;
    const nativeQueued = () => this.addon.rawSenderStats(this.handle).queued;
    while ((this.waiting.size > 0 || nativeQueued() > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.droppedAtClose = this.waiting.size;
    this.addon.closeRawSender(this.handle);
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    if (!this.closed) this.addon.rawFlush(this.handle);
  };

  private readonly offerWaiting = (): void => {
    this.retryTimer = undefined;
    if (this.closed) return;
    for (let packet = this.waiting.oldest(); packet; packet = this.waiting.oldest()) {
      if (!this.addon.rawSend(this.handle, packet.buf, packet.length)) break;
      this.waiting.dropOldest();
    }
    this.addon.rawFlush(this.handle);
    if (this.waiting.size > 0) this.retryTimer = setTimeout(this.offerWaiting, RETRY_MS);
  };
}

function explainSocketFailure(err: Error): RawSenderError {
  // The addon says EPERM for EACCES too.
  if ((err as NodeJS.ErrnoException).code === 'EPERM') {
    return new RawSenderError(
      'raw sockets need root or CAP_NET_RAW (EPERM): run as root, grant the capability ' +
        '(setcap cap_net_raw+ep "$(command -v node)"), or use --transport socket',
    );
  }
  return new RawSenderError(`cannot open a raw socket: ${err.message}`);
}
