/**
 * The raw transport: every planned session replayed as IP packets from a rewritten client
 * address, by a SessionEngine that learns the target's side from intercept's feedback. The
 * route goes to every intercept before the SYN; feedback records are routed to their session by
 * the client address and port they are sent to.
 *
 * Two sessions that rewrite to the same client address and port never run at once: the later one
 * waits for the earlier to end (its RST clears the target's state for that port).
 */

import { isIPv4 } from 'node:net';
import { endpointKey } from '../intercept/route-table.ts';
import type { Route } from '../intercept/wire.ts';
import { parseIpv4 } from '../packet/address.ts';
import { encodeIpv4Tcp } from '../packet/encode.ts';
import { decodeFeedbackRecord, FeedbackRecordError } from '../replay/engine/feedback.ts';
import type { EngineOptions, OutSegment } from '../replay/engine/types.ts';
import type { SessionEnv } from '../replay/observer.ts';
import type { PlannedSession, SessionDriver } from '../replay/plan.ts';
import { type ClientRewrite, type RewrittenClient, rewriteClient } from '../replay/port-shift.ts';
import type { Transport } from '../replay/run.ts';
import type { PacketSender } from './raw-sender.ts';
import { RawSession, type RawSessionHost } from './raw-session.ts';

/** The intercept side as the transport uses it (InterceptClient). */
export interface RouteRegistry {
  add(route: Route): void;
  del(route: Route): void;
  /** Sends the routes added so far now (they are batched): called before the SYNs go. */
  flush(): void;
  close(): void;
}

export interface RawTransportOptions {
  sender: PacketSender;
  routes: RouteRegistry;
  rewrite: ClientRewrite;
  engine: Partial<EngineOptions>;
  /** One line for the user (stderr), e.g. that no feedback arrives. */
  warn(message: string): void;
  /** Names the client addresses in messages (the pool as given, or "the captured client addresses"). */
  clientsText: string;
  /** Warn when no feedback record at all arrived this long after the first SYN (ms). */
  noFeedbackWarnMs?: number;
  /** Sees every packet sent, in order (tests compare runs with it). */
  tap?: (packet: Buffer) => void;
}

export interface RawTransportStats {
  sessionsStarted: number;
  records: number;
  /** Records for no active session (late, or for another replayer's sessions). */
  unroutable: number;
  badRecords: number;
}

const MAX_PACKET = 65535;
const IPV6_REASON = 'IPv6 needs an intercept protocol extension (the tcpcopy 1.x records carry IPv4 only)';

export class RawTransport implements Transport, RawSessionHost {
  readonly name = 'raw';
  readonly stats: RawTransportStats = { sessionsStarted: 0, records: 0, unroutable: 0, badRecords: 0 };
  readonly engineOptions: Partial<EngineOptions>;
  private readonly sessions = new Map<number, RawSession>();
  /** Sessions waiting for their client address and port to be free, by client key. */
  private readonly waiting = new Map<number, RawSession[]>();
  private readonly packet = Buffer.allocUnsafe(MAX_PACKET);
  private readonly targetIps = new Map<string, number>();
  /** Sessions to begin at the next microtask, together: their ADDs go in one write, before any SYN. */
  private starting: RawSession[] = [];
  private noFeedbackTimer: NodeJS.Timeout | undefined;
  private warnedNoFeedback = false;
  private finalCounters: Record<string, number> | undefined;
  /** Set when the transport cannot go on (e.g. the intercept went away): sessions end with it. */
  private failure: string | undefined;

  constructor(private readonly options: RawTransportOptions) {
    this.engineOptions = options.engine;
  }

  startSession(planned: PlannedSession, env: SessionEnv): SessionDriver {
    const { session, target } = planned;
    if (session.ipVersion !== 4 || !isIPv4(target.ip)) {
      return endAtOnce(planned, env, 'not-replayable', IPV6_REASON);
    }
    if (this.failure !== undefined) return endAtOnce(planned, env, 'error', this.failure);
    const client = rewriteClient(
      this.options.rewrite,
      parseIpv4(session.client.ip),
      session.client.port,
      planned.copy,
    );
    const raw = new RawSession(planned, client, env, this);
    const key = clientKey(client);
    if (this.sessions.has(key)) {
      const queue = this.waiting.get(key) ?? [];
      queue.push(raw);
      this.waiting.set(key, queue);
    } else {
      this.sessions.set(key, raw);
      this.beginSoon(raw);
    }
    return raw;
  }

  /** A 64-byte intercept record: routed to the session it answers. */
  onRecord(record: Buffer): void {
    this.stats.records++;
    let header: ReturnType<typeof decodeFeedbackRecord>;
    try {
      header = decodeFeedbackRecord(record);
    } catch (err) {
      if (!(err instanceof FeedbackRecordError)) throw err;
      this.stats.badRecords++;
      return;
    }
    const session = this.sessions.get(endpointKey(header.dstIp, header.dstPort));
    if (session) session.feedback(header);
    else this.stats.unroutable++;
  }

  /** Ends every session (and every later one) with an error: the replay cannot go on. */
  fail(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    for (const queue of this.waiting.values()) for (const s of queue) s.abort(reason);
    this.waiting.clear();
    for (const s of [...this.sessions.values()]) s.abort(reason);
  }

  send(planned: PlannedSession, client: RewrittenClient, segment: OutSegment): void {
    const packet = encodeIpv4Tcp(
      {
        src: client.ip,
        dst: this.targetIp(planned.target.ip),
        srcPort: client.port,
        dstPort: planned.target.port,
        seq: segment.seq,
        ack: segment.ack,
        flags: segment.flags,
        window: segment.window,
        options: segment.options,
        payload: segment.payload,
      },
      this.packet,
    );
    this.options.tap?.(packet);
    this.options.sender.send(packet, packet.length, planned.target.ip);
  }

  ended(session: RawSession): void {
    const key = clientKey(session.client);
    if (this.sessions.get(key) === session) {
      this.sessions.delete(key);
      if (session.started) this.options.routes.del(this.routeOf(session));
    } else {
      const queue = this.waiting.get(key);
      const at = queue?.indexOf(session) ?? -1;
      if (queue && at >= 0) queue.splice(at, 1);
      return;
    }
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(key);
    if (next) this.beginSoon(next);
  }

  counters(): Record<string, number> {
    return this.finalCounters ?? {};
  }

  async close(): Promise<void> {
    clearTimeout(this.noFeedbackTimer);
    this.warnIfNoFeedback();
    await this.options.sender.close();
    this.options.routes.close();
    const sent = this.options.sender.stats;
    this.finalCounters = {
      packetsSent: sent.sent,
      packetsFailed: sent.failed,
      responseHeaders: this.stats.records,
      unroutableHeaders: this.stats.unroutable,
      undecodableHeaders: this.stats.badRecords,
    };
    const why = Object.entries(sent.errors)
      .sort((a, b) => b[1] - a[1])
      .map(([error, count]) => `${error} ×${count}`)
      .join(', ');
    this.options.warn(
      `raw transport: ${sent.sent} packets sent (${sent.failed} failed${why ? `: ${why}` : ''}), ` +
        `${this.stats.records} response headers from intercept (${this.stats.unroutable} unroutable` +
        `${this.stats.badRecords > 0 ? `, ${this.stats.badRecords} not a TCP/IPv4 header: a peer that is not intercept?` : ''})`,
    );
  }

  private targetIp(text: string): number {
    let ip = this.targetIps.get(text);
    if (ip === undefined) {
      ip = parseIpv4(text);
      this.targetIps.set(text, ip);
    }
    return ip;
  }

  /** At the next microtask, with the sessions starting alongside: their ADDs go in one write. */
  private beginSoon(session: RawSession): void {
    this.starting.push(session);
    if (this.starting.length === 1) queueMicrotask(() => this.beginStarting());
  }

  private beginStarting(): void {
    const sessions = this.starting.filter((s) => !s.isDone);
    this.starting = [];
    for (const session of sessions) {
      this.sessions.set(clientKey(session.client), session);
      this.options.routes.add(this.routeOf(session));
    }
    this.options.routes.flush();
    for (const session of sessions) {
      this.stats.sessionsStarted++;
      if (this.stats.sessionsStarted === 1) {
        this.noFeedbackTimer = setTimeout(
          () => this.warnIfNoFeedback(),
          this.options.noFeedbackWarnMs ?? 3000,
        );
        this.noFeedbackTimer.unref();
      }
      session.start();
    }
  }

  private routeOf(session: RawSession): Route {
    return {
      clientIp: session.client.ip,
      clientPort: session.client.port,
      targetIp: this.targetIp(session.planned.target.ip),
      targetPort: session.planned.target.port,
    };
  }

  private warnIfNoFeedback(): void {
    if (this.warnedNoFeedback || this.stats.records > 0 || this.stats.sessionsStarted === 0) return;
    this.warnedNoFeedback = true;
    this.options.warn(
      `no response headers from intercept for the first ${this.stats.sessionsStarted} session(s): ` +
        `does the target route ${this.options.clientsText} back via the intercept host ` +
        "(and not forward them), and does intercept's -F filter match the target's responses?",
    );
  }
}

function clientKey(client: RewrittenClient): number {
  return endpointKey(client.ip, client.port);
}

function endAtOnce(
  planned: PlannedSession,
  env: SessionEnv,
  outcome: 'not-replayable' | 'error',
  reason: string,
): SessionDriver {
  env.observer.sessionEnded(planned, { outcome, reason, endedMs: env.nowMs() });
  return { requestAvailable() {}, inputEnded() {}, stop() {} };
}
