import { connect, type Socket } from 'node:net';
import { endpointName, type InterceptEndpoint } from './endpoints.ts';
import { endpointKey } from './route-table.ts';
import {
  CLIENT_MESSAGE_SIZE,
  encodeHello,
  FrameDecoder,
  MessageType,
  type Route,
  WireError,
  writeClientMessage,
} from './wire.ts';

export interface InterceptClientOptions {
  endpoints: InterceptEndpoint[];
  /** Connections to each intercept (`-C`); a session's messages go to the one its client port hashes to. */
  connectionsEach?: number;
  /** Reconnect (with backoff) when an intercept goes away, then resend hello and every active route. */
  keepGoing?: boolean;
  /** Each 64-byte response record. The buffer is not reused by the client: it may be kept. */
  onRecord: (record: Buffer) => void;
  onEvent?: (event: InterceptClientEvent) => void;
  connectTimeoutMs?: number;
  /** Messages buffered for an intercept that does not read beyond this are dropped (and counted). */
  maxBufferedBytes?: number;
}

export type InterceptClientEvent =
  | { kind: 'lost'; intercept: string; reason: string; reconnecting: boolean }
  | { kind: 'reconnected'; intercept: string; routesResent: number };

export interface InterceptClientStats {
  messagesSent: number;
  /** ADD/DEL messages dropped because an intercept stopped reading. */
  messagesDropped: number;
  records: number;
  reconnects: number;
  connectionsOpen: number;
  routesActive: number;
}

export class InterceptUnreachableError extends Error {
  constructor(
    readonly intercept: string,
    reason: string,
  ) {
    super(`cannot reach intercept at ${intercept} (${reason}): is \`reprise intercept\` running there?`);
    this.name = 'InterceptUnreachableError';
  }
}

const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 2000;

/**
 * The replayer's side of the tcpcopy 1.x protocol: TCP connections to one or more intercepts,
 * ADD/DEL for every session sent to every intercept, response records back. Never blocks the
 * caller: messages for a link that is down are not queued (the active routes are re-sent when it
 * comes back), and a link that stops reading has a bounded buffer.
 *
 * Messages are batched: each link writes what was added or deleted in one event-loop turn as one
 * write (at the end of the turn, or at `flush()`, which the transport calls before its SYNs).
 */
export class InterceptClient {
  /** Per intercept, its `connectionsEach` links. */
  private readonly links: InterceptLink[][];
  private readonly allLinks: InterceptLink[];
  /** Active routes by client address and port (a client port is one session at a time). */
  private readonly routes = new Map<number, Route>();
  private readonly counters = { messagesSent: 0, messagesDropped: 0, records: 0, reconnects: 0 };
  private closed = false;

  private constructor(readonly options: InterceptClientOptions) {
    const each = options.connectionsEach ?? 1;
    if (!Number.isInteger(each) || each < 1 || each > 64) {
      throw new RangeError(`-C: connections to each intercept must be 1-64, got ${each}`);
    }
    this.links = options.endpoints.map((endpoint) =>
      Array.from({ length: each }, (_, index) => new InterceptLink(this, endpoint, index)),
    );
    this.allLinks = this.links.flat();
  }

  /** Connects to every intercept; rejects with InterceptUnreachableError naming the first that fails. */
  static async connect(options: InterceptClientOptions): Promise<InterceptClient> {
    const client = new InterceptClient(options);
    try {
      await Promise.all(client.allLinks.map((link) => link.open()));
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  /** Registers a session with every intercept (send before its SYN). */
  add(route: Route): void {
    this.routes.set(routeKey(route), route);
    this.broadcast(MessageType.ADD, route);
  }

  /** Writes the messages batched so far now rather than at the end of this event-loop turn. */
  flush(): void {
    for (const link of this.allLinks) link.flush();
  }

  /** The session is over (intercept 1.0 only logs it; reprise intercept shortens the route's life). */
  del(route: Route): void {
    const key = routeKey(route);
    if (this.routes.get(key)?.targetIp === route.targetIp) this.routes.delete(key);
    this.broadcast(MessageType.DEL, route);
  }

  get stats(): InterceptClientStats {
    return {
      ...this.counters,
      connectionsOpen: this.allLinks.filter((l) => l.isOpen).length,
      routesActive: this.routes.size,
    };
  }

  close(): void {
    this.closed = true;
    for (const link of this.allLinks) link.close();
  }

  /** @internal */
  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal the active routes a link must re-send after reconnecting. */
  routesFor(linkIndex: number): Route[] {
    const each = this.links[0]?.length ?? 1;
    return [...this.routes.values()].filter((r) => r.clientPort % each === linkIndex);
  }

  /** @internal */
  record(record: Buffer): void {
    this.counters.records++;
    this.options.onRecord(record);
  }

  /** @internal */
  count(key: 'messagesSent' | 'messagesDropped' | 'reconnects', n = 1): void {
    this.counters[key] += n;
  }

  /** @internal */
  event(event: InterceptClientEvent): void {
    this.options.onEvent?.(event);
  }

  private broadcast(type: number, route: Route): void {
    for (const links of this.links) links[route.clientPort % links.length].send(type, route);
  }
}

function routeKey(r: Route): number {
  return endpointKey(r.clientIp, r.clientPort);
}

const FIRST_BATCH_BYTES = 64 * CLIENT_MESSAGE_SIZE;

/** One TCP connection to one intercept. */
class InterceptLink {
  private socket: Socket | undefined;
  private decoder = new FrameDecoder();
  private backoffMs = BACKOFF_FIRST_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private everOpened = false;
  /** Messages of this event-loop turn, written together by flush(). */
  private batch = Buffer.allocUnsafe(FIRST_BATCH_BYTES);
  private batchBytes = 0;
  private flushScheduled = false;
  private readonly flushAtTurnEnd = () => {
    this.flushScheduled = false;
    this.flush();
  };
  readonly name: string;

  constructor(
    private readonly client: InterceptClient,
    private readonly endpoint: InterceptEndpoint,
    private readonly index: number,
  ) {
    this.name = endpointName(endpoint);
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.connecting && !this.socket.destroyed;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.endpoint.host, port: this.endpoint.port, noDelay: true });
      const timeoutMs = this.client.options.connectTimeoutMs ?? 3000;
      const timer = setTimeout(
        () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.once('connect', () => {
        clearTimeout(timer);
        this.attach(socket);
        resolve();
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new InterceptUnreachableError(this.name, err.code ?? err.message)); // no-op once connected
      });
    });
  }

  send(type: number, route: Route): void {
    const socket = this.socket;
    if (!socket || !this.isOpen) return; // re-sent from the active routes on reconnect
    const limit = this.client.options.maxBufferedBytes ?? 16 * 1024 * 1024;
    if (socket.writableLength + this.batchBytes > limit) {
      this.client.count('messagesDropped');
      return;
    }
    if (this.batchBytes + CLIENT_MESSAGE_SIZE > this.batch.length) {
      const bigger = Buffer.allocUnsafe(this.batch.length * 2);
      this.batch.copy(bigger, 0, 0, this.batchBytes);
      this.batch = bigger;
    }
    writeClientMessage(type, route, this.batch, this.batchBytes);
    this.batchBytes += CLIENT_MESSAGE_SIZE;
    this.client.count('messagesSent');
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAtTurnEnd);
    }
  }

  flush(): void {
    if (this.batchBytes === 0) return;
    const messages = Buffer.from(this.batch.subarray(0, this.batchBytes));
    this.batchBytes = 0;
    if (this.socket && this.isOpen) this.socket.write(messages);
  }

  close(): void {
    clearTimeout(this.retryTimer);
    this.flush();
    this.socket?.destroy();
    this.socket = undefined;
  }

  private attach(socket: Socket): void {
    const reconnected = this.everOpened;
    this.everOpened = true;
    this.socket = socket;
    this.decoder = new FrameDecoder();
    this.backoffMs = BACKOFF_FIRST_MS;
    socket.write(encodeHello());
    if (reconnected) {
      const routes = this.client.routesFor(this.index);
      for (const route of routes) this.send(MessageType.ADD, route);
      this.client.count('reconnects');
      this.client.event({ kind: 'reconnected', intercept: this.name, routesResent: routes.length });
    }
    socket.on('data', (chunk: Buffer) => this.receive(socket, chunk));
    socket.on('error', () => {}); // 'close' follows and reports
    socket.on('close', () => this.lost(socket, 'connection closed'));
  }

  private receive(socket: Socket, chunk: Buffer): void {
    let records: Buffer[];
    try {
      records = this.decoder.push(chunk);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.lost(socket, `protocol error: ${err.message}`);
      socket.destroy();
      return;
    }
    for (const record of records) this.client.record(record);
  }

  private lost(socket: Socket, reason: string): void {
    if (socket !== this.socket || this.client.isClosed) return;
    this.socket = undefined;
    this.batchBytes = 0;
    const reconnecting = this.client.options.keepGoing === true;
    this.client.event({ kind: 'lost', intercept: this.name, reason, reconnecting });
    if (reconnecting) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.client.isClosed) return;
    this.retryTimer = setTimeout(() => {
      this.open().catch(() => {
        this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
        this.scheduleReconnect();
      });
    }, this.backoffMs);
  }
}
