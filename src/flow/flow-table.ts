/**
 * The flow table: splits a capture's TCP packets into sessions and hands them to a FlowSink as
 * they unfold. Sessions are keyed by 4-tuple; a SYN on a known tuple whose sequence number
 * differs from the one first seen in that direction starts a new session (tshark's tcp.stream
 * rule for reused ports). Memory grows with the sessions open at once, not with the capture.
 */
import { formatIpv4, formatIpv6 } from '../packet/address.ts';
import { type PacketView, TcpFlag } from '../packet/view.ts';
import { type ClientStreamLimits, defaultClientStreamLimits } from './client-stream.ts';
import { type Conversation, keyIpv6, NO_BASE, sourceIsLo } from './conversation.ts';
import { ConversationTable } from './conversation-table.ts';
import { HoldQueue } from './held-answer.ts';
import { seqAdd } from './seq.ts';
import type { Endpoint, FlowSink } from './session.ts';
import { SessionTracker, type TrackerOptions } from './session-tracker.ts';
import { timestampUs } from './timestamp.ts';

/** How a server is known: by the address and port a transfer names, or by the port alone. */
export type KnownBy = 'address' | 'port';

export interface FlowTableOptions {
  /** Keep request bytes (replay needs them; inspect does not). */
  keepPayload?: boolean;
  limits?: Partial<ClientStreamLimits>;
  /** Closed tuples remembered to absorb their late packets (oldest forgotten first). */
  maxClosedConversations?: number;
  /**
   * How an endpoint is known to be a server's (a replay's transfers): by its address and port, or
   * by its port alone; undefined when it is not. A session seen with neither SYN nor SYN-ACK has
   * its client on the other side (see clientIsSource).
   */
  knownServer?: (endpoint: Endpoint) => KnownBy | undefined;
}

const SYN_ACK = TcpFlag.SYN | TcpFlag.ACK;
/** Ports below this are well-known services' (IANA's system ports): a client's is above. */
const WELL_KNOWN_PORTS = 1024;

interface LastIpv4Text {
  address: number;
  text: string;
}

export class FlowTable {
  /**
   * Conversations with a session open, and those whose session closed (kept to absorb late
   * packets, oldest forgotten first). Apart so that the table every packet searches stays small
   * (cache-resident); the closed one is searched only when a tuple has no open session.
   */
  private readonly openConversations = new ConversationTable();
  private readonly closedConversations = new ConversationTable();
  private readonly maxClosed: number;
  private readonly knownServer: ((endpoint: Endpoint) => KnownBy | undefined) | undefined;
  private readonly trackerOptions: TrackerOptions;
  private nextId = 0;
  /** The last client and server IPv4 address formatted: sessions often share them (a server's, mostly). */
  private readonly clientIpv4: LastIpv4Text = { address: -1, text: '' };
  private readonly serverIpv4: LastIpv4Text = { address: -1, text: '' };
  /** Packets of tuples whose session had already closed (late ACKs, duplicates). */
  latePackets = 0;
  /** Packets pushed so far. */
  private pushed = 0;
  /** Sessions holding an answer (see held-answer.ts). */
  private readonly holds = new HoldQueue();

  constructor(
    private readonly sink: FlowSink,
    options: FlowTableOptions = {},
  ) {
    this.maxClosed = options.maxClosedConversations ?? 65536;
    this.knownServer = options.knownServer;
    this.trackerOptions = {
      keepPayload: options.keepPayload ?? false,
      limits: { ...defaultClientStreamLimits, ...options.limits },
      requestCompleted: sink.requestCompleted?.bind(sink),
      holdAnswers: { on: true },
    };
  }

  /** Sessions opened so far. */
  get sessions(): number {
    return this.nextId;
  }

  /** Feeds the next TCP packet of the capture, in capture order (`tsUs`: its capture time, if known). */
  push(view: PacketView, tsUs: number = timestampUs(view)): void {
    if (++this.pushed >= this.holds.duePacket || tsUs >= this.holds.dueUs) this.releaseDueHolds(tsUs);
    const srcIsLo = sourceIsLo(view);
    const conversation = this.find(view, srcIsLo) ?? this.add(view, srcIsLo, tsUs);
    const seq = view.seq;
    const flags = view.flags;
    const baseBefore = srcIsLo ? conversation.loBase : conversation.hiBase;
    if (baseBefore === NO_BASE) {
      const base = flags & TcpFlag.SYN ? seq : seqAdd(seq, -1);
      if (srcIsLo) conversation.loBase = base;
      else conversation.hiBase = base;
    }
    if ((flags & SYN_ACK) === TcpFlag.SYN && baseBefore !== NO_BASE && baseBefore !== seq) {
      this.reuse(conversation, view, srcIsLo, tsUs);
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
    if (tracker.push(view, srcIsLo === conversation.clientIsLo, tsUs)) {
      this.holds.add(conversation, tracker.heldAnswer!, tsUs, this.pushed);
    }
    if (conversation.packetsBeforeOpened > 0 && --conversation.packetsBeforeOpened === 0) {
      this.announceOpened(tracker);
    }
    if (tracker.isOver) this.close(conversation, tracker);
  }

  /**
   * Tells the sink about a session once the packets that say how it opened are in (see
   * startSession), and before anything else of it: no request can complete that early, and a
   * close announces a session not announced yet first.
   */
  private announceOpened(tracker: SessionTracker): void {
    if (this.sink.sessionOpened?.(tracker.session) === false) tracker.dropPayload();
  }

  /** The capture is over: every open session closes (ending 'capture-end' unless a FIN or RST came), in order of id. */
  end(): void {
    // The open table keeps the order sessions opened in (of id). No packet follows: the tuples
    // need not move to the closed table.
    for (let c = this.openConversations.oldest; c !== undefined; c = c.newer) this.finish(c, c.tracker!);
    this.openConversations.clear();
    this.holds.clear();
  }

  /** Lets go of the answers held past their time (see held-answer.ts); gives up holding when most do. */
  private releaseDueHolds(tsUs: number): void {
    this.holds.releaseDue(tsUs, this.pushed, (conversation) => {
      const tracker = conversation.tracker!;
      tracker.releaseHeld(true);
      if (tracker.isOver) this.close(conversation, tracker);
    });
    if (this.holds.inVain) this.trackerOptions.holdAnswers.on = false;
  }

  private find(view: PacketView, srcIsLo: boolean): Conversation | undefined {
    if (view.ipVersion === 6) {
      const key6 = keyIpv6(view, srcIsLo);
      return this.openConversations.find6(key6) ?? this.closedConversations.find6(key6);
    }
    const lo4 = (srcIsLo ? view.src4 : view.dst4) | 0;
    const hi4 = (srcIsLo ? view.dst4 : view.src4) | 0;
    const loPort = srcIsLo ? view.srcPort : view.dstPort;
    const hiPort = srcIsLo ? view.dstPort : view.srcPort;
    return (
      this.openConversations.find4(lo4, hi4, loPort, hiPort) ??
      this.closedConversations.find4(lo4, hi4, loPort, hiPort)
    );
  }

  private add(view: PacketView, srcIsLo: boolean, tsUs: number): Conversation {
    const ipv6 = view.ipVersion === 6;
    const conversation: Conversation = {
      ipVersion: view.ipVersion,
      lo4: ipv6 ? 0 : (srcIsLo ? view.src4 : view.dst4) | 0,
      hi4: ipv6 ? 0 : (srcIsLo ? view.dst4 : view.src4) | 0,
      loPort: srcIsLo ? view.srcPort : view.dstPort,
      hiPort: srcIsLo ? view.dstPort : view.srcPort,
      key6: ipv6 ? keyIpv6(view, srcIsLo) : '',
      loBase: NO_BASE,
      hiBase: NO_BASE,
      tracker: undefined,
      clientIsLo: true,
      packetsBeforeOpened: 0,
      nextInBucket: undefined,
      older: undefined,
      newer: undefined,
    };
    this.startSession(conversation, view, srcIsLo, tsUs);
    return conversation;
  }

  /** A new connection on a known tuple: the session there (if still open) is over. */
  private reuse(conversation: Conversation, view: PacketView, srcIsLo: boolean, tsUs: number): void {
    // Open, the tuple is in the open table; closed, in the closed one (found there, not forgotten).
    if (conversation.tracker !== undefined) {
      this.openConversations.remove(conversation);
      this.finish(conversation, conversation.tracker);
    } else {
      this.closedConversations.remove(conversation);
    }
    conversation.loBase = srcIsLo ? view.seq : NO_BASE;
    conversation.hiBase = srcIsLo ? NO_BASE : view.seq;
    this.startSession(conversation, view, srcIsLo, tsUs);
  }

  private startSession(conversation: Conversation, view: PacketView, srcIsLo: boolean, tsUs: number): void {
    const clientIsLo = this.clientIsSource(view) === srcIsLo;
    conversation.clientIsLo = clientIsLo;
    const fromClient = clientIsLo === srcIsLo;
    const client = this.endpointOf(view, fromClient, this.clientIpv4);
    const server = this.endpointOf(view, !fromClient, this.serverIpv4);
    const tracker = new SessionTracker(
      this.nextId++,
      view.ipVersion,
      client,
      server,
      tsUs,
      this.trackerOptions,
    );
    conversation.tracker = tracker;
    this.openConversations.add(conversation);
    // The sink hears of the session after its first packet, so that `handshake.syn` says whether
    // that was the client's SYN; after two when the first is the SYN-ACK, as the SYN is often
    // filed just after it (capture queues, merged files).
    conversation.packetsBeforeOpened = (view.flags & SYN_ACK) === SYN_ACK ? 2 : 1;
  }

  /**
   * Whether the packet's sender is the client: a SYN's sender is; a SYN-ACK's receiver is. With
   * neither, the server is, of the two sides: the one known by address and port; else the one on
   * a well-known port (below 1024) against one above (NFS clients use those, and are then known by
   * address); else the one known by port. Else the higher port is the client (ephemeral ports are
   * high), and on a tie the sender.
   */
  private clientIsSource(view: PacketView): boolean {
    const synAck = view.flags & SYN_ACK;
    if (synAck === TcpFlag.SYN) return true;
    if (synAck === SYN_ACK) return false;
    const { srcPort, dstPort } = view;
    const known = this.knownServer;
    const to = known?.(this.endpointOf(view, false, this.serverIpv4));
    const from = known?.(this.endpointOf(view, true, this.clientIpv4));
    if ((to === 'address') !== (from === 'address')) return to === 'address';
    if (srcPort < WELL_KNOWN_PORTS !== dstPort < WELL_KNOWN_PORTS) return dstPort < WELL_KNOWN_PORTS;
    if ((to !== undefined) !== (from !== undefined)) return to !== undefined;
    return srcPort >= dstPort;
  }

  private endpointOf(view: PacketView, source: boolean, ipv4Text: LastIpv4Text): Endpoint {
    const port = source ? view.srcPort : view.dstPort;
    if (view.ipVersion === 6) return { ip: formatIpv6(source ? view.src6 : view.dst6), port };
    const address = source ? view.src4 : view.dst4;
    if (address !== ipv4Text.address) {
      ipv4Text.address = address;
      ipv4Text.text = formatIpv4(address);
    }
    return { ip: ipv4Text.text, port };
  }

  /** The session is over: its tuple stays (closed) to absorb late packets. */
  private close(conversation: Conversation, tracker: SessionTracker): void {
    this.openConversations.remove(conversation);
    this.closedConversations.add(conversation);
    if (this.closedConversations.size > this.maxClosed) {
      this.closedConversations.remove(this.closedConversations.oldest!);
    }
    this.finish(conversation, tracker);
  }

  private finish(conversation: Conversation, tracker: SessionTracker): void {
    if (conversation.packetsBeforeOpened > 0) {
      conversation.packetsBeforeOpened = 0;
      this.announceOpened(tracker);
    }
    tracker.finish();
    conversation.tracker = undefined;
    this.sink.sessionClosed?.(tracker.session);
  }
}
