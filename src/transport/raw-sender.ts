/**
 * Sends complete IPv4 packets (own IP header and checksums) through a raw socket (raw-socket
 * 1.8.1, IPPROTO_RAW: the kernel adds no header of its own).
 *
 * raw-socket's own send() queues every packet in an array it shifts from (O(n)) and sends one
 * packet per writable event, that is one per event-loop turn: about 7,000 packets/s on a busy
 * loop. So packets go out through its native sendto directly, in order, as long as the kernel
 * takes them; when the socket's buffer is full (EAGAIN/ENOBUFS), that one packet goes through
 * raw-socket's queue, which waits for the socket to become writable, and the rest wait in a ring
 * of our own until it has left. Other failures are counted by error and the packet is dropped
 * (the session engine retransmits).
 */
import { createRequire } from 'node:module';
import { PacketRing, type PacketSlot } from './raw-packet-ring.ts';

export interface SenderStats {
  sent: number;
  failed: number;
  /** Failures by error message. */
  errors: Record<string, number>;
  /** Sends that waited for the socket to have buffer space again. */
  retried: number;
  /** Most packets waiting at once (beyond those in flight). */
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

const IPPROTO_RAW = 255;
/** How long close() waits for queued packets (the sessions' final RSTs) to leave. */
const DRAIN_MS = 2000;
const TRANSIENT = /no buffer space|temporarily unavailable|would block/i;

interface RawSocket {
  /** The native handle: a synchronous sendto that throws on failure (raw-socket 1.8.1). */
  wrap: {
    send(buf: Buffer, offset: number, length: number, address: string, after: (bytes: number) => void): void;
  };
  send(
    buf: Buffer,
    offset: number,
    length: number,
    address: string,
    after: (error: Error | null, bytes: number) => void,
  ): void;
  pauseRecv(): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}

interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily?: number }): RawSocket;
  AddressFamily: { IPv4: number };
}

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
  readonly stats = emptySenderStats();
  private readonly socket: RawSocket;
  private readonly ring = new PacketRing();
  /** One packet waits in raw-socket's queue for the socket to become writable. */
  private waitingForWritable = false;
  private closed = false;
  private readonly sentOne = () => {
    this.ring.completeOldest();
    this.stats.sent++;
  };

  constructor() {
    const raw = loadRawSocket();
    try {
      this.socket = raw.createSocket({ protocol: IPPROTO_RAW, addressFamily: raw.AddressFamily.IPv4 });
    } catch (err) {
      throw explainSocketFailure(err as Error);
    }
    this.socket.pauseRecv();
    this.socket.on('error', (err) => countFailure(this.stats, err.message));
  }

  send(packet: Uint8Array, length: number, dst: string): void {
    if (this.closed) return;
    this.ring.push(packet, length, dst);
    if (this.ring.waiting > this.stats.queuedPeak) this.stats.queuedPeak = this.ring.waiting;
    this.pump();
  }

  /** Packets not yet sent (in flight and waiting). */
  get backlog(): number {
    return this.ring.size;
  }

  async close(): Promise<void> {
    const deadline = Date.now() + DRAIN_MS;
    while (this.ring.size > 0 && !this.closed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }

  private pump(): void {
    while (!this.waitingForWritable && !this.closed) {
      const slot = this.ring.takeNext();
      if (!slot) return;
      try {
        this.socket.wrap.send(slot.buf, 0, slot.length, slot.dst, this.sentOne);
      } catch (err) {
        if (TRANSIENT.test((err as Error).message)) this.sendWhenWritable(slot);
        else {
          this.ring.completeOldest();
          countFailure(this.stats, (err as Error).message);
        }
      }
    }
  }

  private sendWhenWritable(slot: PacketSlot): void {
    this.stats.retried++;
    this.waitingForWritable = true;
    this.socket.send(slot.buf, 0, slot.length, slot.dst, (error) => {
      this.waitingForWritable = false;
      this.ring.completeOldest();
      if (error) countFailure(this.stats, error.message);
      else this.stats.sent++;
      this.pump();
    });
  }
}

function loadRawSocket(): RawSocketModule {
  try {
    return createRequire(import.meta.url)('raw-socket') as RawSocketModule;
  } catch (err) {
    throw new RawSenderError(
      `the raw transport needs the 'raw-socket' package, which did not load: ${(err as Error).message}. ` +
        'Run npm install (it builds a native module), or use --transport socket.',
    );
  }
}

function explainSocketFailure(err: Error): RawSenderError {
  if (/not permitted|permission denied/i.test(err.message)) {
    return new RawSenderError(
      'raw sockets need root or CAP_NET_RAW (EPERM): run as root, grant the capability ' +
        '(setcap cap_net_raw+ep "$(command -v node)"), or use --transport socket',
    );
  }
  return new RawSenderError(`cannot open a raw socket: ${err.message}`);
}
