/**
 * The flow table: splits a capture's TCP packets into sessions and hands them to a FlowSink as
 * they unfold. Sessions are keyed by 4-tuple; a SYN on a known tuple whose sequence number
 * differs from the one first seen in that direction starts a new session (tshark's tcp.stream
 * rule for reused ports). Memory grows with the sessions open at once, not with the capture.
 */
import { formatIpv4, formatIpv6 } from '../packet/address.ts';
import { type PacketView, TcpFlag } from '../packet/view.ts';
import { type ClientStreamLimits, defaultClientStreamLimits } from './client-stream.ts';
import { type Conversation, hashIpv4, keyIpv6, NO_BASE, sourceIsLo } from './conversation.ts';
import { seqAdd } from './seq.ts';
import type { Endpoint, FlowSink } from './session.ts';
import { SessionTracker, type TrackerOptions } from './session-tracker.ts';

export interface FlowTableOptions {
  /** Keep request bytes (replay needs them; inspect does not). */
  keepPayload?: boolean;
  limits?: Partial<ClientStreamLimits>;
  /** Closed tuples remembered to absorb their late packets (oldest forgotten first). */
  maxClosedConversations?: number;
}

const SYN_ACK = TcpFlag.SYN | TcpFlag.ACK;

export class FlowTable {
  private readonly byHash4 = new Map<number, Conversation>();
  private readonly byKey6 = new Map<string, Conversation>();
  /** Conversations whose session closed, oldest first, each with its close serial (stale once reused). */
  private readonly closedQueue: Conversation[] = [];
  private readonly closedSerials: number[] = [];
  private closedHead = 0;
  private closedCount = 0;
  private closeSerial = 0;
  private readonly maxClosed: number;
  private readonly trackerOptions: TrackerOptions;
  private nextId = 0;
  private open = 0;
  /** Packets of tuples whose session had already closed (late ACKs, duplicates). */
  latePackets = 0;

  constructor(
    private readonly sink: FlowSink,
    options: FlowTableOptions = {},
  ) {
    this.maxClosed = options.maxClosedConversations ?? 65536;
    this.trackerOptions = {
      keepPayload: options.keepPayload ?? false,
      limits: { ...defaultClientStreamLimits, ...options.limits },
      requestCompleted: (session, request) => sink.requestCompleted?.(session, request),
    };
  }

  /** Sessions opened and not yet closed. */
  get openSessions(): number {
    return this.open;
  }

  /** Sessions opened so far. */
  get sessions(): number {
    return this.nextId;
  }

  /** Feeds the next TCP packet of the capture, in capture order. */
  push(view: PacketView): void {
    const srcIsLo = sourceIsLo(view);
    const conversation = this.find(view, srcIsLo) ?? this.add(view, srcIsLo);
    const seq = view.seq;
    const flags = view.flags;
    const baseBefore = srcIsLo ? conversation.loBase : conversation.hiBase;
    if (baseBefore === NO_BASE) {
      const base = flags & TcpFlag.SYN ? seq : seqAdd(seq, -1);
      if (srcIsLo) conversation.loBase = base;
      else conversation.hiBase = base;
    }
    if ((flags & SYN_ACK) === TcpFlag.SYN && baseBefore !== NO_BASE && baseBefore !== seq) {
      this.reuse(conversation, view, srcIsLo);
    } else if ((flags & SYN_ACK) === SYN_ACK) {
      const acked = seqAdd(view.ack, -1);
      if (srcIsLo && conversation.hiBase === NO_BASE) conversation.hiBase = acked;
      if (!srcIsLo && conversation.loBase === NO_BASE) conversation.loBase = acked;
    }
    const tracker = conversation.tracker;
    if (tracker === undefined) {
      this.latePackets++;
      return;
    }
    tracker.push(view, srcIsLo === conversation.clientIsLo, timestampUs(view));
    if (tracker.isOver) this.close(conversation, tracker);
  }

  /** The capture is over: every open session closes (ending 'capture-end' unless a FIN or RST came). */
  end(): void {
    for (const conversation of this.byHash4.values()) {
      for (let c: Conversation | undefined = conversation; c !== undefined; c = c.nextInBucket) {
        if (c.tracker !== undefined) this.close(c, c.tracker);
      }
    }
    for (const conversation of this.byKey6.values()) {
      if (conversation.tracker !== undefined) this.close(conversation, conversation.tracker);
    }
  }

  private find(view: PacketView, srcIsLo: boolean): Conversation | undefined {
    if (view.ipVersion === 6) return this.byKey6.get(keyIpv6(view, srcIsLo));
    const lo4 = srcIsLo ? view.src4 : view.dst4;
    const hi4 = srcIsLo ? view.dst4 : view.src4;
    const loPort = srcIsLo ? view.srcPort : view.dstPort;
    const hiPort = srcIsLo ? view.dstPort : view.srcPort;
    let c = this.byHash4.get(hashIpv4(lo4, hi4, loPort, hiPort));
    while (
      c !== undefined &&
      (c.lo4 !== lo4 || c.hi4 !== hi4 || c.loPort !== loPort || c.hiPort !== hiPort)
    ) {
      c = c.nextInBucket;
    }
    return c;
  }

  private add(view: PacketView, srcIsLo: boolean): Conversation {
    const conversation: Conversation = {
      ipVersion: view.ipVersion,
      lo4: srcIsLo ? view.src4 : view.dst4,
      hi4: srcIsLo ? view.dst4 : view.src4,
      loPort: srcIsLo ? view.srcPort : view.dstPort,
      hiPort: srcIsLo ? view.dstPort : view.srcPort,
      key6: '',
      loBase: NO_BASE,
      hiBase: NO_BASE,
      tracker: undefined,
      closedSerial: -1,
      clientIsLo: true,
      nextInBucket: undefined,
    };
    if (view.ipVersion === 6) {
      conversation.key6 = keyIpv6(view, srcIsLo);
      this.byKey6.set(conversation.key6, conversation);
    } else {
      const hash = hashIpv4(conversation.lo4, conversation.hi4, conversation.loPort, conversation.hiPort);
      conversation.nextInBucket = this.byHash4.get(hash);
      this.byHash4.set(hash, conversation);
    }
    this.startSession(conversation, view, srcIsLo);
    return conversation;
  }

  /** A new connection on a known tuple: the session there (if still open) is over. */
  private reuse(conversation: Conversation, view: PacketView, srcIsLo: boolean): void {
    if (conversation.tracker !== undefined) this.close(conversation, conversation.tracker);
    this.closedCount--;
    conversation.closedSerial = -1;
    conversation.loBase = srcIsLo ? view.seq : NO_BASE;
    conversation.hiBase = srcIsLo ? NO_BASE : view.seq;
    this.startSession(conversation, view, srcIsLo);
  }

  private startSession(conversation: Conversation, view: PacketView, srcIsLo: boolean): void {
    const clientIsLo = clientIsSource(view) === srcIsLo;
    conversation.clientIsLo = clientIsLo;
    const fromClient = clientIsLo === srcIsLo;
    const client = endpointOf(view, fromClient);
    const server = endpointOf(view, !fromClient);
    const tracker = new SessionTracker(
      this.nextId++,
      view.ipVersion,
      client,
      server,
      timestampUs(view),
      this.trackerOptions,
    );
    conversation.tracker = tracker;
    this.open++;
    this.sink.sessionOpened?.(tracker.session);
  }

  private close(conversation: Conversation, tracker: SessionTracker): void {
    tracker.finish();
    conversation.tracker = undefined;
    this.open--;
    conversation.closedSerial = ++this.closeSerial;
    this.closedQueue.push(conversation);
    this.closedSerials.push(conversation.closedSerial);
    this.closedCount++;
    if (this.closedCount > this.maxClosed) this.forgetOldestClosed();
    else if (this.closedQueue.length - this.closedHead > 2 * this.maxClosed + 1024) this.compactClosedQueue();
    this.sink.sessionClosed?.(tracker.session);
  }

  /** Removes the conversation closed longest ago (skipping queue entries of conversations reused since). */
  private forgetOldestClosed(): void {
    const queue = this.closedQueue;
    let oldest: Conversation | undefined;
    while (oldest === undefined && this.closedHead < queue.length) {
      const candidate = queue[this.closedHead];
      if (candidate.closedSerial === this.closedSerials[this.closedHead]) oldest = candidate;
      this.closedHead++;
    }
    if (this.closedHead > 4096 && this.closedHead * 2 > queue.length) {
      queue.splice(0, this.closedHead);
      this.closedSerials.splice(0, this.closedHead);
      this.closedHead = 0;
    }
    if (oldest === undefined) return;
    this.closedCount--;
    oldest.closedSerial = -1;
    this.unlink(oldest);
  }

  /** Drops queue entries of conversations reused since they closed. */
  private compactClosedQueue(): void {
    const queue = this.closedQueue;
    const serials = this.closedSerials;
    let kept = 0;
    for (let i = this.closedHead; i < queue.length; i++) {
      if (queue[i].closedSerial !== serials[i]) continue;
      queue[kept] = queue[i];
      serials[kept] = serials[i];
      kept++;
    }
    queue.length = kept;
    serials.length = kept;
    this.closedHead = 0;
  }

  private unlink(oldest: Conversation): void {
    if (oldest.ipVersion === 6) {
      this.byKey6.delete(oldest.key6);
      return;
    }
    const hash = hashIpv4(oldest.lo4, oldest.hi4, oldest.loPort, oldest.hiPort);
    const head = this.byHash4.get(hash);
    if (head === oldest) {
      if (oldest.nextInBucket === undefined) this.byHash4.delete(hash);
      else this.byHash4.set(hash, oldest.nextInBucket);
      return;
    }
    for (let c = head; c !== undefined; c = c.nextInBucket) {
      if (c.nextInBucket === oldest) {
        c.nextInBucket = oldest.nextInBucket;
        return;
      }
    }
  }
}

/**
 * Whether the packet's sender is the client: a SYN's sender is; a SYN-ACK's receiver is; with
 * neither, the side with the higher port (ephemeral ports are high), and on a tie the sender.
 */
function clientIsSource(view: PacketView): boolean {
  const synAck = view.flags & SYN_ACK;
  if (synAck === TcpFlag.SYN) return true;
  if (synAck === SYN_ACK) return false;
  return view.srcPort >= view.dstPort;
}

function endpointOf(view: PacketView, source: boolean): Endpoint {
  if (view.ipVersion === 6) {
    return { ip: formatIpv6(source ? view.src6 : view.dst6), port: source ? view.srcPort : view.dstPort };
  }
  return { ip: formatIpv4(source ? view.src4 : view.dst4), port: source ? view.srcPort : view.dstPort };
}

export function timestampUs(view: PacketView): number {
  return view.tsSec * 1_000_000 + Math.floor(view.tsNsec / 1000);
}
