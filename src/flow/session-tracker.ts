/**
 * Follows one captured TCP session: which side is the client, the handshake, the client's byte
 * stream (reassembled and cut into requests), the server's payload (counted, not kept) and how
 * the session ends. Fed the session's packets in capture order; no I/O.
 */
import { tcpOptionsOf } from '../packet/tcp-options.ts';
import { type PacketView, TcpFlag } from '../packet/view.ts';
import { ClientStream, type ClientStreamLimits, type StreamConsumer } from './client-stream.ts';
import { HeldAnswer } from './held-answer.ts';
import { RequestSplitter } from './request-splitter.ts';
import { seqAdd, seqDiff } from './seq.ts';
import type { CapturedRequest, CapturedSession, Endpoint, Handshake } from './session.ts';
import { NO_TIME, timestampUs } from './timestamp.ts';

/** A server segment further ahead than this is counted by its own length only (a corrupt seq). */
const MAX_SERVER_JUMP = 1 << 30;
/** Of these flags, an answer that may be held carries ACK only. */
const HOLD_FLAGS = TcpFlag.SYN | TcpFlag.RST | TcpFlag.ACK;

/*
 * Performance: this runs for every packet. Sequence numbers kept in fields or passed to other
 * methods are int32 (`seq | 0`), which V8 keeps unboxed; uint32 values above 2^31 would cost a
 * heap number each. Modulo 2^32 they are the same number, so seqDiff and seqAdd take either.
 */

export interface TrackerOptions {
  keepPayload: boolean;
  limits: ClientStreamLimits;
  /** Called as each request completes; undefined when nobody listens. */
  requestCompleted: ((session: CapturedSession, request: CapturedRequest) => void) | undefined;
  /** Whether answers may be held (held-answer.ts): the table turns it off for all its sessions at once. */
  holdAnswers: { on: boolean };
}

export class SessionTracker implements StreamConsumer {
  readonly session: CapturedSession;
  private readonly stream: ClientStream;
  private readonly splitter: RequestSplitter;
  /** Capture time of the client's SYN, while the ACK that completes the handshake (for rttUs) is awaited. */
  private synTsUs = NO_TIME;
  private awaitingHandshakeAck = false;
  /** The server's ISN + 1 (int32), the ack that completes the handshake (valid once serverIsnSeen). */
  private handshakeAck = 0;
  private serverIsnSeen = false;
  /** Sequence number (int32) after the server's highest payload byte seen so far (valid once serverSeen). */
  private serverNext = 0;
  private serverSeen = false;
  private serverPackets = 0;
  /** Ack (int32) of the last client data segment: with no server packet captured, its advance marks an answer. */
  private clientAckAtData = 0;
  private clientSentData = false;
  private clientFin = false;
  /** Sequence number (int32) the client's FIN takes (valid once clientFin). */
  private clientFinSeq = 0;
  private serverFin = false;
  private reset = false;
  /**
   * The session's packet count, last capture time and byte counts, kept here while it is open and
   * copied into the session when it closes: the session object then stays off the per-packet path
   * (one cache miss less per packet, with thousands of sessions open).
   */
  private packets = 0;
  private endUs: number;
  /** The client's first FIN, while bytes before it wait behind a hole (see closeIfDelivered). */
  private closeWhenDelivered: { ack: number; flags: number; tsUs: number } | undefined;
  private bytesFromClient = 0;
  private bytesFromServer = 0;
  /** An answer held until the client bytes it acknowledges are filed (see held-answer.ts). */
  private held: HeldAnswer | undefined;
  /** A hold ran out without those bytes: the capture lacks some of this client's; hold no more. */
  private holdsGaveUp = false;
  private readonly holdAnswers: { on: boolean };

  constructor(
    id: number,
    ipVersion: 4 | 6,
    client: Endpoint,
    server: Endpoint,
    startUs: number,
    options: TrackerOptions,
  ) {
    // Optional fields start out undefined rather than absent: objects keep one shape (V8 map)
    // from birth, so the per-packet code that reads them stays monomorphic.
    this.endUs = startUs;
    this.holdAnswers = options.holdAnswers;
    const handshake: Handshake = {
      syn: false,
      synAck: false,
      clientIsn: undefined,
      serverIsn: undefined,
      synOptions: undefined,
      synWindow: undefined,
      synAckOptions: undefined,
      rttUs: undefined,
    };
    const requests: CapturedRequest[] = [];
    // Flat literals (nested ones built apart): V8 clones those inline, a nested one takes a runtime call.
    this.session = {
      id,
      ipVersion,
      client,
      server,
      startUs,
      endUs: startUs,
      handshake,
      clientDataSeq: undefined,
      requests,
      greetingBytes: 0,
      packets: 0,
      bytesFromClient: 0,
      bytesFromServer: 0,
      ending: 'capture-end',
      retransmissions: 0,
      gaps: 0,
      gapBytes: 0,
      truncatedSegments: 0,
      endedBy: undefined,
      resetBy: undefined,
    };
    this.splitter = new RequestSplitter(this.session, options.keepPayload, options.requestCompleted);
    this.stream = new ClientStream(this, options.keepPayload, options.limits);
  }

  /** Stops keeping this session's payload (its requests still get their lengths and times). */
  dropPayload(): void {
    this.splitter.dropPayload();
    this.stream.keepPayload = false;
  }

  /** Reassembled client bytes, in order (from the ClientStream). */
  bytes(streamOffset: number, length: number, data: Buffer | undefined, tsUs: number): void {
    this.bytesFromClient += length;
    this.splitter.bytes(streamOffset, length, data, tsUs);
  }

  /** Client bytes missing from the capture (from the ClientStream). */
  gap(streamOffset: number, length: number, tsUs: number): void {
    this.bytesFromClient += length;
    this.splitter.gap(streamOffset, length, tsUs);
  }

  /**
   * Over at a RST, or once both sides' FINs are in and the client's bytes are whole; when the
   * capture holds the client's SYN and no packet of the server's (a filter on the client's side
   * only), at the client's FIN.
   */
  get isOver(): boolean {
    // A captured SYN and no packet of the server's by the client's FIN: the capture holds the
    // client's side only. (Without the SYN, the capture may just have begun before the answer.)
    const serverDone = this.serverFin || (this.serverPackets === 0 && this.session.handshake.syn);
    return this.reset || (this.clientFin && serverDone && !this.stream.hasPending && this.held === undefined);
  }

  /** The answer held, if any: its owner lets go of it (`releaseHeld`) once the capture has moved on. */
  get heldAnswer(): HeldAnswer | undefined {
    return this.held;
  }

  /**
   * Takes the session's next packet, in capture order, unless an answer is held: then a client
   * segment bringing awaited bytes goes first, and anything else waits behind the answer. Returns
   * true when a new hold began (see `heldAnswer`).
   */
  push(view: PacketView, fromClient: boolean, tsUs: number = timestampUs(view)): boolean {
    const held = this.held;
    if (held !== undefined) {
      if (fromClient && bringsSequenceBefore(view, held.ack)) {
        this.take(view, true, tsUs);
        // The client's FIN, once taken, is no missing byte (ackOfClientData).
        if (this.stream.missingBefore(this.ackOfClientData(held.ack)) === 0) return this.releaseHeld(false);
      } else if (!held.add(view, fromClient, tsUs)) {
        this.releaseHeld(true);
      }
      return false;
    }
    if (!fromClient && this.answersUnseenBytes(view)) {
      this.held = new HeldAnswer(view, tsUs, view.ack | 0);
      return true;
    }
    this.take(view, fromClient, tsUs);
    return false;
  }

  /**
   * Takes the held packets in order, once the awaited bytes are in, or (`missing`) the capture
   * has moved on without them: they are a gap, as without the hold, and no answer of this session
   * is held again. Returns true when a new hold began on the way.
   */
  releaseHeld(missing: boolean): boolean {
    const held = this.held;
    if (held === undefined) return false;
    this.held = undefined;
    if (missing) this.holdsGaveUp = true;
    for (const packet of held.packets) this.push(packet.view, packet.fromClient, packet.tsUs);
    return this.held !== undefined;
  }

  /** A server segment with payload not seen before that acknowledges client bytes not delivered yet. */
  private answersUnseenBytes(view: PacketView): boolean {
    const length = view.payloadWireLength;
    if (
      this.holdsGaveUp ||
      !this.holdAnswers.on ||
      length === 0 ||
      (view.flags & HOLD_FLAGS) !== TcpFlag.ACK
    ) {
      return false;
    }
    if (this.serverSeen && seqDiff(this.serverNext, (view.seq + length) | 0) <= 0) return false;
    return this.stream.missingBefore(this.ackOfClientData(view.ack | 0)) > 0;
  }

  private take(view: PacketView, fromClient: boolean, tsUs: number): void {
    this.packets++;
    if (tsUs > this.endUs) this.endUs = tsUs;
    if (fromClient) this.fromClient(view, tsUs);
    else this.fromServer(view, tsUs);
    const flags = view.flags;
    if (!(flags & (TcpFlag.RST | TcpFlag.FIN))) return;
    const session = this.session;
    if (flags & TcpFlag.RST) {
      this.reset = true;
      session.ending = 'rst';
      session.endedBy ??= fromClient ? 'client' : 'server';
      session.resetBy ??= fromClient ? 'client' : 'server';
    } else if (flags & TcpFlag.FIN) {
      if (fromClient && !this.clientFin) {
        // Bytes before the FIN still held behind a hole: it closes what they belong to, once there.
        if (this.stream.hasPending) this.closeWhenDelivered = { ack: view.ack | 0, flags, tsUs };
        else this.clientClosing(view.ack | 0, flags, tsUs);
      }
      if (fromClient) this.clientFin = true;
      else this.serverFin = true;
      if (session.ending !== 'rst') session.ending = 'fin';
      session.endedBy ??= fromClient ? 'client' : 'server';
    }
  }

  /** The session is over (closed, its tuple reused, or the capture ended): flush what is held. */
  finish(): void {
    this.releaseHeld(true);
    const session = this.session;
    session.packets = this.packets;
    session.endUs = this.endUs;
    this.stream.finish(session.endUs);
    this.closeIfDelivered();
    this.splitter.complete();
    session.retransmissions = this.stream.retransmissions;
    session.gaps = this.stream.gaps;
    session.gapBytes = this.stream.gapBytes;
    session.truncatedSegments = this.stream.truncatedSegments;
    const base = this.stream.baseSeq;
    if (base !== undefined) session.clientDataSeq = base;
    session.bytesFromClient = this.bytesFromClient;
    session.bytesFromServer = this.bytesFromServer;
  }

  private fromClient(view: PacketView, tsUs: number): void {
    const flags = view.flags;
    let seq = view.seq;
    if (flags & TcpFlag.SYN) {
      const handshake = this.session.handshake;
      if (!(flags & TcpFlag.ACK) && !handshake.syn) {
        handshake.syn = true;
        handshake.clientIsn = seq;
        handshake.synWindow = view.window;
        handshake.synOptions = tcpOptionsOf(view);
        this.synTsUs = tsUs;
        this.awaitingHandshakeAck = true;
        this.stream.startAt(seqAdd(seq, 1));
      } else if (!(flags & TcpFlag.ACK) && this.awaitingHandshakeAck && seq === handshake.clientIsn) {
        // A retransmitted SYN: time the handshake from it, the one answered (as tshark's initial_rtt).
        this.synTsUs = tsUs;
      }
      seq = seqAdd(seq, 1);
    } else if (flags & TcpFlag.ACK && this.awaitingHandshakeAck) {
      this.measureRtt(view, tsUs);
    }
    if (flags & TcpFlag.FIN && !this.clientFin) this.clientFinSeq = (seq + view.payloadWireLength) | 0;
    if (view.payloadWireLength === 0 || flags & TcpFlag.RST) return;
    if (this.serverPackets === 0 && flags & TcpFlag.ACK) this.answerSeenInAck(view.ack | 0);
    this.stream.segment(
      seq | 0,
      view.payloadWireLength,
      view.buf,
      view.payloadOffset,
      view.payloadLength,
      tsUs,
    );
    this.closeIfDelivered();
  }

  /** The client's FIN seen before the bytes ahead of it were delivered: taken once they are. */
  private closeIfDelivered(): void {
    const close = this.closeWhenDelivered;
    if (close === undefined || this.stream.hasPending) return;
    this.closeWhenDelivered = undefined;
    this.clientClosing(close.ack, close.flags, close.tsUs);
  }

  private measureRtt(view: PacketView, tsUs: number): void {
    // In a capture of the client's side only, its first ACK completes the handshake (as tshark's initial_rtt).
    const oneSided = !this.serverIsnSeen && this.serverPackets === 0;
    if (!oneSided && (!this.serverIsnSeen || (view.ack | 0) !== this.handshakeAck)) return;
    const rtt = tsUs - this.synTsUs;
    if (rtt >= 0) {
      this.session.handshake.rttUs = rtt;
      this.awaitingHandshakeAck = false;
    }
  }

  /**
   * The client's first FIN: a request still open then (unanswered) is one the client half-closed
   * after. In a one-sided capture an answer shows only in the client's acks: a FIN acknowledging
   * more than the server's own FIN (one) beyond the ack of the client's last data means the answer
   * came before it.
   */
  private clientClosing(ack: number, flags: number, tsUs: number): void {
    const answered = this.clientSentData && seqDiff(this.clientAckAtData, ack) > 1;
    if (this.serverPackets === 0 && flags & TcpFlag.ACK && answered) this.splitter.complete();
    this.splitter.clientClosed(tsUs);
  }

  /** One-sided capture: the client acknowledging more server bytes than at its last data means the server answered. */
  private answerSeenInAck(ack: number): void {
    const advanced = this.clientSentData && seqDiff(this.clientAckAtData, ack) > 0;
    this.clientAckAtData = ack;
    this.clientSentData = true;
    if (advanced) this.splitter.complete();
  }

  private fromServer(view: PacketView, tsUs: number): void {
    this.serverPackets++;
    const flags = view.flags;
    let seq = view.seq;
    if (flags & TcpFlag.SYN) {
      const handshake = this.session.handshake;
      if (flags & TcpFlag.ACK && !handshake.synAck) {
        handshake.synAck = true;
        handshake.serverIsn = seq;
        this.handshakeAck = (seq + 1) | 0;
        this.serverIsnSeen = true;
        handshake.synAckOptions = tcpOptionsOf(view);
        if (!this.serverSeen) {
          this.serverNext = (seq + 1) | 0;
          this.serverSeen = true;
        }
        this.stream.startAt(view.ack);
      }
      seq = seqAdd(seq, 1);
    }
    const length = view.payloadWireLength;
    if (length === 0 || flags & TcpFlag.RST) return;
    const newBytes = this.newServerBytes(seq | 0, length);
    if (newBytes === 0) return;
    this.bytesFromServer += newBytes;
    if (flags & TcpFlag.ACK) this.stream.acknowledged(this.ackOfClientData(view.ack), tsUs);
    this.splitter.serverSent(newBytes, tsUs);
  }

  /** The server's ack without the sequence number the client's FIN takes (it is no data byte). */
  private ackOfClientData(ack: number): number {
    return this.clientFin && seqDiff(this.clientFinSeq, ack) > 0 ? this.clientFinSeq : ack;
  }

  private newServerBytes(seq: number, length: number): number {
    const end = (seq + length) | 0;
    const added = this.serverSeen ? seqDiff(this.serverNext, end) : length;
    if (added <= 0) return 0;
    this.serverNext = end;
    this.serverSeen = true;
    return added < MAX_SERVER_JUMP ? added : length;
  }
}

/** A client segment (data, or its FIN) that begins before `ack` (int32): an answer acknowledged it. */
function bringsSequenceBefore(view: PacketView, ack: number): boolean {
  return (
    (view.payloadWireLength > 0 || (view.flags & TcpFlag.FIN) !== 0) &&
    !(view.flags & (TcpFlag.SYN | TcpFlag.RST)) &&
    seqDiff(view.seq | 0, ack) > 0
  );
}
