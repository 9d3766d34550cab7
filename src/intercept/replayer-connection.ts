import type { Socket } from 'node:net';
import { peerName } from './endpoints.ts';
import { FrameQueue } from './frame-queue.ts';
import { type ClientMessage, ClientMessageDecoder, FrameEncoder, RECORD_SIZE, WireError } from './wire.ts';

/** How much of a slow replayer's backlog goes into one write once its socket drains. */
const DRAIN_WRITE_BYTES = 64 * 1024;

export interface ReplayerConnectionOptions {
  /** A peer that has not sent its hello by then is dropped (slowloris). */
  helloTimeoutMs: number;
  /** Frames kept for a replayer that does not read; beyond this the oldest are dropped. */
  maxQueuedBytes: number;
}

export interface ReplayerConnectionEvents {
  onMessage(conn: ReplayerConnection, message: ClientMessage): void;
  /** Records dropped because this replayer did not read fast enough. */
  onDropped(conn: ReplayerConnection, records: number): void;
  /** The connection is gone; `problem` says why when it was dropped for misbehaving. */
  onClose(conn: ReplayerConnection, problem: string | undefined): void;
}

/**
 * One replayer's control connection: decodes its messages, batches response records into frames
 * of up to 16, and writes the frames of one event-loop turn (one libpcap batch) together at its
 * end: one write per turn instead of one per frame, the largest cost of a busy intercept. Never
 * lets a slow reader grow memory without bound (a FrameQueue sits behind the socket's own buffer).
 */
export class ReplayerConnection {
  readonly name: string;
  private readonly decoder = new ClientMessageDecoder();
  private readonly encoder = new FrameEncoder();
  private readonly queue: FrameQueue;
  /** Full frames of this event-loop turn, written together by flush(). */
  private pending: Buffer[] = [];
  private waitingForDrain = false;
  private flushScheduled = false;
  private closed = false;
  private problem: string | undefined;
  private socketError = false;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: Socket,
    options: ReplayerConnectionOptions,
    private readonly events: ReplayerConnectionEvents,
  ) {
    this.name = peerName(socket);
    this.queue = new FrameQueue(options.maxQueuedBytes);
    socket.setNoDelay(true);
    this.helloTimer = setTimeout(
      () => this.drop(`no hello within ${options.helloTimeoutMs} ms`),
      options.helloTimeoutMs,
    );
    this.helloTimer.unref();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.drained());
    socket.on('error', (err) => {
      this.socketError = true;
      this.problem ??= `socket error: ${err.message}`;
    });
    socket.on('close', () => this.finish());
  }

  get ready(): boolean {
    return this.decoder.sawHello && !this.closed;
  }

  /** Its socket failed (a reset), as opposed to a problem found in what it sent. */
  get socketFailed(): boolean {
    return this.socketError;
  }

  /** It sent its hello: a replayer, not a port scan or a health check. */
  get greeted(): boolean {
    return this.decoder.sawHello;
  }

  /** Queues a 64-byte record for this replayer. */
  deliver(record: Uint8Array): void {
    if (this.closed) return;
    const full = this.encoder.add(record);
    if (full) this.pending.push(full);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Closes the connection, logging `problem` as the reason. */
  drop(problem: string): void {
    if (this.closed) return;
    this.problem = problem;
    this.finish();
    this.socket.destroy();
  }

  /** Sends what is pending, then closes our side; the peer is expected to close its own. */
  close(): void {
    this.flush();
    // The backlog goes out before our FIN: a 'drain' after end() could no longer write it.
    while (this.queue.length > 0) this.socket.write(joined(this.queue.shiftUpTo(DRAIN_WRITE_BYTES)));
    this.socket.end();
  }

  /**
   * Closes at once, without blaming the peer (shutdown: it did not close its side in time). What
   * it had not read yet is lost: counted as dropped (about, frame headers included).
   */
  destroy(): void {
    if (this.closed) return;
    const unsent = Math.floor(this.queuedBytes / RECORD_SIZE);
    this.finish();
    this.socket.destroy();
    if (unsent > 0) this.events.onDropped(this, unsent);
  }

  get queuedBytes(): number {
    return this.queue.byteLength + this.socket.writableLength;
  }

  private receive(chunk: Buffer): void {
    let messages: ClientMessage[];
    try {
      messages = this.decoder.push(chunk);
    } catch (err) {
      if (err instanceof WireError) {
        this.drop(err.message);
        return;
      }
      throw err;
    }
    for (const message of messages) {
      if (message.kind === 'hello') clearTimeout(this.helloTimer);
      this.events.onMessage(this, message);
      if (this.closed) return;
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const partial = this.encoder.flush();
    if (partial) this.pending.push(partial);
    if (this.pending.length === 0) return;
    const frames = this.pending;
    this.pending = [];
    this.send(frames);
  }

  private send(frames: Buffer[]): void {
    if (this.closed) return;
    if (this.waitingForDrain) {
      for (const frame of frames) this.enqueue(frame);
      return;
    }
    if (!this.socket.write(joined(frames))) this.waitingForDrain = true;
  }

  private enqueue(frame: Buffer): void {
    const dropped = this.queue.push(frame);
    if (dropped > 0) this.events.onDropped(this, dropped);
  }

  private drained(): void {
    this.waitingForDrain = false;
    while (this.queue.length > 0) {
      const frames = this.queue.shiftUpTo(DRAIN_WRITE_BYTES);
      if (!this.socket.write(joined(frames))) {
        this.waitingForDrain = true;
        return;
      }
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.helloTimer);
    this.events.onClose(this, this.problem);
  }
}

function joined(frames: Buffer[]): Buffer {
  return frames.length === 1 ? frames[0] : Buffer.concat(frames);
}
