import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { AllowList } from './allow-list.ts';
import { ResponseDecoder } from './decode-response.ts';
import { endpointName, peerName } from './endpoints.ts';
import { ReplayerConnection, type ReplayerConnectionOptions } from './replayer-connection.ts';
import type { ResponseSource } from './response-source.ts';
import { DEFAULT_ROUTER_OPTIONS, Router, type RouterOptions } from './router.ts';
import { type InterceptSnapshot, RateMeter } from './stats.ts';
import { type ClientMessage, DEFAULT_INTERCEPT_PORT } from './wire.ts';

export interface InterceptServerOptions {
  /** Address to listen on (`-b`); default all IPv4 addresses. */
  host?: string;
  /** Port to listen on (`-p`); 0 picks a free one. Default 36524. */
  port?: number;
  allow?: AllowList;
  source: ResponseSource;
  log?: (line: string) => void;
  maxReplayers?: number;
  connection?: Partial<ReplayerConnectionOptions>;
  router?: Partial<RouterOptions>;
  /** How often a slice of the routes, and the held responses, are swept for expired ones. */
  sweepIntervalMs?: number;
  /** The capture died while running (its device went away): nothing more will be routed. */
  onFailure?: (error: Error) => void;
}

/**
 * Each sweep looks at this share of the route table (and at least SWEEP_MIN_ROUTES): a pass over
 * any table takes 100 sweeps (10 s), and no sweep holds the event loop for more than a few ms
 * (a walk of 2 million routes at once takes ~230 ms: responses would wait that long).
 */
const SWEEP_SLICES_PER_PASS = 100;
const SWEEP_MIN_ROUTES = 5000;

const DEFAULT_CONNECTION: ReplayerConnectionOptions = {
  helloTimeoutMs: 5000,
  maxQueuedBytes: 8 * 1024 * 1024,
};

/**
 * `reprise intercept`: captures the target's responses and sends their headers to the replayer
 * that registered each session, over the tcpcopy 1.x protocol. Several replayers at once; a peer
 * that breaks the protocol is dropped alone.
 */
export class InterceptServer {
  private readonly router: Router<ReplayerConnection>;
  private readonly decoder = new ResponseDecoder();
  private readonly replayers = new Set<ReplayerConnection>();
  private readonly warnedUnknown = new WeakSet<ReplayerConnection>();
  private readonly log: (line: string) => void;
  private readonly connectionOptions: ReplayerConnectionOptions;
  private readonly rates: RateMeter;
  private readonly startedAt = Date.now();
  private sweepTimer: NodeJS.Timeout | undefined;
  private listening = '';
  /** Resolves close() once the last replayer connection has closed. */
  private allGone: (() => void) | undefined;

  private constructor(
    private readonly server: Server,
    private readonly options: InterceptServerOptions,
  ) {
    this.log = options.log ?? (() => {});
    this.connectionOptions = { ...DEFAULT_CONNECTION, ...options.connection };
    this.router = new Router({ ...DEFAULT_ROUTER_OPTIONS, ...options.router });
    this.rates = new RateMeter(this.startedAt);
  }

  /**
   * Starts capturing, then listens: a device or filter problem is reported before any port is
   * taken. Rejects with the capture's error (LiveCaptureError) or an InterceptListenError.
   */
  static async start(options: InterceptServerOptions): Promise<InterceptServer> {
    const server = createServer({ noDelay: true });
    const intercept = new InterceptServer(server, options);
    server.on('connection', (socket) => intercept.accept(socket));
    options.source.start(
      (record) => {
        const view = intercept.decoder.decode(record);
        if (view) intercept.router.response(view, Date.now());
        else intercept.router.unsupported();
      },
      (error) => {
        intercept.log(error.message);
        options.onFailure?.(error);
      },
    );
    const host = options.host ?? '0.0.0.0';
    const port = options.port ?? DEFAULT_INTERCEPT_PORT;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
        server.listen(port, host, resolve);
      });
    } catch (err) {
      options.source.stop();
      throw err;
    }
    server.on('error', (err) => intercept.log(`listening socket error: ${err.message}`));
    const address = server.address() as AddressInfo;
    intercept.listening = endpointName({ host: address.address, port: address.port });
    intercept.sweepTimer = setInterval(() => intercept.sweep(), options.sweepIntervalMs ?? 100);
    intercept.sweepTimer.unref();
    return intercept;
  }

  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  snapshot(now = Date.now()): InterceptSnapshot {
    const totals = { ...this.router.totals };
    return {
      uptimeMs: now - this.startedAt,
      listening: this.listening,
      device: this.options.source.device,
      filter: this.options.source.filter,
      replayers: [...this.replayers].filter((r) => r.ready).length,
      routesActive: this.router.routesActive,
      heldNow: this.router.heldNow,
      queuedBytes: [...this.replayers].reduce((sum, r) => sum + r.queuedBytes, 0),
      totals,
      perSecond: this.rates.sample(totals, now),
    };
  }

  /** Stops capturing, closes every replayer connection and the listening socket. */
  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.options.source.stop();
    for (const replayer of this.replayers) replayer.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Replayers that do not close their side would keep server.close() waiting.
      setTimeout(() => {
        for (const replayer of this.replayers) replayer.destroy();
      }, 500).unref();
    });
    // The listening socket closes before its connections report their own close: wait for them,
    // so that every disconnect is logged and counted before the caller prints the totals.
    if (this.replayers.size > 0) {
      await new Promise<void>((resolve) => {
        this.allGone = resolve;
      });
    }
  }

  private sweep(): void {
    const budget = Math.max(SWEEP_MIN_ROUTES, Math.ceil(this.router.routesActive / SWEEP_SLICES_PER_PASS));
    this.router.sweep(Date.now(), budget);
  }

  private accept(socket: Socket): void {
    // Gone already (it reset as it connected): nothing to name, count or serve.
    if (socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const peer = peerName(socket);
    const allow = this.options.allow;
    if (allow && !allow.allows(socket.remoteAddress)) {
      this.router.totals.peersRefused++;
      this.log(`refused replayer ${peer}: not in --allow ${allow.text}`);
      socket.destroy();
      return;
    }
    const max = this.options.maxReplayers ?? 256;
    if (this.replayers.size >= max) {
      // Peers that never said hello must not lock replayers out: the oldest of them makes room.
      const silent = [...this.replayers].find((r) => !r.ready);
      if (silent) silent.drop(`no hello yet, and its slot was needed (at most ${max} connections)`);
      else {
        this.router.totals.peersRefused++;
        this.log(`refused replayer ${peer}: already ${max} replayers connected`);
        socket.destroy();
        return;
      }
    }
    const replayer = new ReplayerConnection(socket, this.connectionOptions, {
      onMessage: (conn, message) => this.onMessage(conn, message),
      onDropped: (_conn, records) => this.router.dropped(records),
      onClose: (conn, problem) => {
        this.replayers.delete(conn);
        this.router.removeSink(conn);
        // A peer that reset before its hello is a port scan or a health check, as one that closed.
        if (problem && (conn.greeted || !conn.socketFailed)) {
          this.router.totals.peersDropped++;
          this.log(`dropped replayer ${conn.name}: ${problem}`);
        } else if (conn.greeted) this.log(`replayer ${conn.name} disconnected`);
        else
          this.log(
            `peer ${conn.name} closed without a hello (not a replayer?)${problem ? `: ${problem}` : ''}`,
          );
        if (this.replayers.size === 0) this.allGone?.();
      },
    });
    this.replayers.add(replayer);
  }

  private onMessage(conn: ReplayerConnection, message: ClientMessage): void {
    const now = Date.now();
    switch (message.kind) {
      case 'hello':
        this.log(`replayer ${conn.name} connected (protocol version ${message.version})`);
        return;
      case 'add':
        this.router.add(conn, message, now);
        return;
      case 'del':
        this.router.del(message, now);
        return;
      case 'unknown':
        // intercept 1.0 logs and skips unknown types; so does reprise (once per replayer: no log flood).
        if (!this.warnedUnknown.has(conn)) {
          this.warnedUnknown.add(conn);
          this.log(`replayer ${conn.name} sent unknown message type ${message.type}: ignored`);
        }
        return;
    }
  }
}

/** The control port could not be opened (in use, address not local, no permission). */
export class InterceptListenError extends Error {
  constructor(
    readonly address: string,
    readonly code: string | undefined,
    problem: string,
  ) {
    super(`cannot listen on ${address}: ${problem}`);
    this.name = 'InterceptListenError';
  }
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): InterceptListenError {
  const address = `${host}:${port}`;
  const problem =
    err.code === 'EADDRINUSE'
      ? 'the port is in use (another intercept running?)'
      : err.code === 'EADDRNOTAVAIL'
        ? `no local interface has address ${host} (-b)`
        : err.code === 'EACCES'
          ? 'permission denied'
          : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
            ? `cannot resolve ${host} (-b): give a local IP address`
            : err.message;
  return new InterceptListenError(address, err.code, problem);
}
