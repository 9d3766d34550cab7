/**
 * The session engine's vocabulary: what it is created with, what it is fed, what it asks for.
 * Times are µs on the caller's monotonic clock (plain numbers: tests use a fake one). Addresses
 * are the transport's business: segments carry none, and feedback arrives already routed.
 */

import type { CapturedRequest, CapturedSession } from '../../flow/session.ts';
import type { TcpOptions } from '../../packet/view.ts';
import type { SessionOutcome } from '../../report/outcome.ts';
import type { ResponseQuiet } from '../response-quiet.ts';

export interface EngineOptions {
  /** Capture-time factor: 1 = captured timing, 2 = twice as fast, Infinity = as fast as possible. */
  speed: number;
  /** Send each request at its offset without waiting for the previous response to end (--no-wait). */
  noWait: boolean;
  /** MSS to announce and to cut requests to, instead of the captured one (-M / tcpcopy's -D). */
  mss?: number;
  /** SYNs resent after the first before the session is given up as refused. */
  synRetries: number;
  /** RTO of the first SYN; doubled on every retry. */
  synRtoUs: number;
  /** Bounds of the data RTO (the initial one comes from the captured RTT, else 1 s). */
  minRtoUs: number;
  maxInitialRtoUs: number;
  maxRtoUs: number;
  /** How long the response must stay quiet before the next request goes (../response-quiet.ts). */
  responseQuiet: Readonly<ResponseQuiet>;
  /** How long a response segment may go unacknowledged when no other ACK is due. */
  delayedAckUs: number;
  /** No progress from the target for this long while waiting on it: 'timed-out'. */
  sessionTimeoutUs: number;
  /**
   * New connections on the same client port after the target closed or reset with requests left,
   * in a row: a response on the new connection starts the count again (a target that closes idle
   * keep-alive connections costs one reconnect per idle stretch, not the session).
   */
  maxReconnects: number;
}

export interface EngineInput {
  /** The captured session (handshake, addresses, sequence numbers). */
  session: CapturedSession;
  /**
   * The requests to replay, in order; default `session.requests`. Either may still grow (see
   * `inputEnded`): a driver that releases requests over time passes its own list.
   */
  requests?: readonly CapturedRequest[];
  /** Per request, its offset (µs) from the session's start; default: each request's captured `offsetUs`. */
  requestOffsetsUs?: readonly number[];
  /**
   * Per request, the delays (µs) of its later parts after the request's own time (see
   * ../request-parts.ts); default: the captured ones of each request's `parts`.
   */
  partDelaysUs?: ReadonlyArray<readonly number[]>;
  /**
   * Per request, how many of its parts the driver has released: a driver that paces parts on its
   * own clock (as the raw transport paces requests) passes its list and calls requestAvailable as
   * it grows. For a halfClosed request, one more than its parts releases its close (our FIN).
   * Default: the engine releases each part, and the close, at its time.
   */
  partsReleased?: readonly number[];
  /** No request will be appended to `session.requests` (default true). */
  inputEnded?: boolean;
  /** TSval of the first segment when the SYN carries timestamps; default: the captured SYN's TSval. */
  tsBase?: number;
  options?: Partial<EngineOptions>;
}

/** IP and TCP headers of one target packet, as intercept saw it (no payload). */
export interface ResponseHeader {
  seq: number;
  ack: number;
  /** TcpFlag bits. */
  flags: number;
  /** As on the wire (not scaled). */
  window: number;
  /** TCP payload bytes the packet carried (from the IP total length). */
  payloadLength: number;
  options: TcpOptions;
}

/** A decoded intercept record: a response header and the 4-tuple that routes it. */
export interface FeedbackRecord extends ResponseHeader {
  /** IPv4 addresses as unsigned 32-bit integers (as in intercept/wire.ts Route). */
  srcIp: number;
  srcPort: number;
  dstIp: number;
  dstPort: number;
}

/** A TCP segment from the replayed client; the transport wraps it in an IP packet. */
export interface OutSegment {
  seq: number;
  ack: number;
  flags: number;
  window: number;
  options: TcpOptions;
  /** A view into the captured request's bytes (not a copy): encode it before it is reused. */
  payload: Buffer;
}

export type EngineAction =
  | { kind: 'send'; segment: OutSegment }
  /** Call `timer()` at this time; replaces the previous timer. A wake-up that finds nothing to do is harmless. */
  | { kind: 'timer'; atUs: number }
  /** The request's last byte left for the first time (`scheduledUs`: when it was due to, its last part's time). */
  | { kind: 'request-sent'; index: number; atUs: number; scheduledUs: number; bytes: number }
  /** The response to a request is over: first and last response segment seen, payload bytes. */
  | { kind: 'response'; index: number; firstUs: number; lastUs: number; bytes: number }
  | { kind: 'done'; outcome: SessionOutcome; reason?: string };

export type EngineState =
  /** Created; `start()` not called yet. */
  | 'idle'
  /** SYN sent, waiting for the SYN-ACK. */
  | 'syn-sent'
  /** Handshake done: requests flow. */
  | 'established'
  /** Every request delivered and answered; our FIN sent, waiting for its ACK. */
  | 'fin-sent'
  /**
   * The captured client shut its sending side after its last request (CapturedRequest.halfClosed):
   * our FIN went out as soon as that request was acknowledged, and its response is still owed, so
   * the target's ACK of our FIN does not end the session. The target's FIN ends it 'completed';
   * once the response is over, the state becomes fin-sent.
   */
  | 'half-closed'
  /** The target closed with no request known yet, and more may come: reconnect when one does. */
  | 'awaiting-input'
  | 'done';

/** Why a feedback segment was ignored (wholly or in part). */
export type IgnoreReason =
  /** Feedback before `start()`. */
  | 'not-started'
  /** Feedback after the session ended, or while no connection is open. */
  | 'session-over'
  /**
   * In syn-sent, a segment that is not the answer to our SYN (e.g. from a previous connection); an
   * ACK among them is answered with an RST at its ack (RFC 793), which ends a stale connection.
   */
  | 'before-syn-ack'
  /** A SYN-ACK (or RST) whose ack is not our ISN + 1 (a SYN-ACK gets an RST, as above). */
  | 'bad-syn-ack'
  /** The SYN-ACK again (our ACK was lost): re-acknowledged. */
  | 'duplicate-syn-ack'
  /** A SYN where none belongs. */
  | 'unexpected-syn'
  /** A non-RST segment without the ACK flag after the handshake. */
  | 'no-ack-flag'
  /** An RST whose sequence number is outside our receive window (RFC 5961). */
  | 'rst-out-of-window'
  /** A segment whose sequence number is outside our receive window. */
  | 'seq-out-of-window'
  /** Acknowledges data never sent: the whole segment is dropped. */
  | 'ack-beyond-snd-nxt'
  /** Acknowledges less than an earlier segment did (reordered): its ACK field is ignored. */
  | 'old-ack'
  /** A pure ACK that repeats the last one with nothing in flight. */
  | 'duplicate-ack'
  /** Response data already acknowledged (a retransmission or a duplicate): re-acknowledged. */
  | 'duplicate-response'
  /** The target's FIN again: re-acknowledged. */
  | 'duplicate-fin';

export interface EngineStats {
  feedback: number;
  ignored: Partial<Record<IgnoreReason, number>>;
  synsSent: number;
  segmentsSent: number;
  /** Request payload bytes sent, retransmissions included. */
  bytesSent: number;
  /** Data or FIN segments sent again (RTO or fast retransmit). */
  retransmissions: number;
  rtoExpirations: number;
  fastRetransmits: number;
  windowProbes: number;
  reconnects: number;
  /** Response payload bytes acknowledged, skipped holes included. */
  responseBytes: number;
  /** Response segments that arrived past a hole: the hole was acknowledged unseen (see engine.ts). */
  responseHoles: number;
}
