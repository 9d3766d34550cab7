/**
 * What the flow layer hands to the rest of reprise: captured TCP sessions, their client
 * requests in order, and how each ended. A session is emitted incrementally (opened, then its
 * requests as they complete, then closed) so that a replay can start before the capture has
 * been read to its end, with memory bounded by the sessions open at once.
 */
import type { TcpOptions } from '../packet/view.ts';

export interface Endpoint {
  /** Dotted IPv4 or RFC 5952 IPv6 text. */
  ip: string;
  port: number;
}

/** How a captured session ended. */
export type SessionEnding = 'fin' | 'rst' | 'capture-end';

export interface CapturedRequest {
  /** 0-based position in the session. */
  index: number;
  /** Capture time of the request's first client segment, relative to the session's first packet (µs). */
  offsetUs: number;
  /** Position of the request's first byte in the client's byte stream (0 = the byte after the SYN). */
  streamOffset: number;
  /** Number of client bytes in the request, including bytes missing from the capture (gaps). */
  length: number;
  /**
   * The request's client bytes in order, retransmissions and overlaps removed. Empty when the flow
   * table runs without payload (inspect). Where the capture misses bytes (a gap), they are absent
   * here, and `gaps` says where.
   */
  data: Buffer;
  /** Missing byte ranges, as [stream offset relative to the request, length]. */
  gaps: Array<[number, number]>;
  /**
   * Where the client paused mid-request (PART_PAUSE_US or longer, with nothing new from the
   * server), or went on sending past PART_SPAN_US: [offset in `data`, µs since the request's first
   * segment] of each part after the first, in order. A telemetry client's readings, a message
   * stream, a body sent after a wait: the replay sends each part at its own time rather than all
   * at the first. Empty for a request sent within PART_SPAN_US (nearly all). Without payload
   * (inspect), at most the first is kept.
   */
  parts: Array<[number, number]>;
  /**
   * Server payload bytes captured in reply (until the next request). This and responseFirstUs /
   * responseLastUs count the first answer segment at requestCompleted (emitted then), and keep
   * growing until the next request starts; they are final at sessionClosed.
   */
  responseBytes: number;
  /** From the request's first segment to the first and last captured response byte (µs). */
  responseFirstUs?: number;
  responseLastUs?: number;
  /**
   * The client shut its sending side (FIN) after this request and before any answer to it (it
   * reads to the end: a server may answer only at end of input). The replay half-closes there too.
   */
  halfClosed?: boolean;
  /**
   * With halfClosed: when the FIN came, µs since the request's first segment. A client that idled
   * before closing (a metrics connection closed later) is closed at that time in the replay too.
   */
  halfClosedAfterUs?: number;
}

/**
 * A pause of the client this long or longer between two segments of one request starts a new part
 * of it (CapturedRequest.parts). Above the gaps a replay need not copy: one write cut into
 * segments, a write held back by Nagle's algorithm for a delayed ACK (40 ms on Linux), an upload
 * waiting for ACKs a round trip at a time on most paths.
 */
export const PART_PAUSE_US = 100_000;

/**
 * A part lasts at most this long: bytes the client sent this long or longer after the part's first
 * segment start the next part, though it never paused that long (readings 50 ms apart for an
 * hour, an upload at a slow client's pace). Replayed otherwise, they would go in one burst.
 */
export const PART_SPAN_US = 100_000;

/**
 * Every byte of the request is missing from the capture (a one-sided capture, packets the capture
 * lost): there is nothing to replay, so the transports skip it rather than send nothing and wait
 * for an answer, and the report counts it.
 */
export function isUncaptured(request: CapturedRequest): boolean {
  const gaps = request.gaps;
  if (gaps.length === 0) return false;
  let missing = 0;
  for (const [, length] of gaps) missing += length;
  return missing >= request.length;
}

/** The first request at or after `from` that has bytes to replay (requests.length if none). */
export function nextToSend(requests: readonly CapturedRequest[], from: number): number {
  let next = from;
  while (next < requests.length && isUncaptured(requests[next])) next++;
  return next;
}

/** Requests from `from` on that have bytes to replay (not isUncaptured). */
export function requestsToSend(requests: readonly CapturedRequest[], from: number): number {
  let count = 0;
  for (let i = from; i < requests.length; i++) if (!isUncaptured(requests[i])) count++;
  return count;
}

export interface Handshake {
  /** A client SYN was captured. */
  syn: boolean;
  /** A server SYN-ACK was captured. */
  synAck: boolean;
  clientIsn?: number;
  serverIsn?: number;
  /** Options of the captured SYN (kept by the raw transport). */
  synOptions?: TcpOptions;
  synWindow?: number;
  synAckOptions?: TcpOptions;
  /** From SYN to the client's ACK of the SYN-ACK (µs), when all three were captured. */
  rttUs?: number;
}

export interface CapturedSession {
  /** 0-based, in order of each session's first packet (tshark's tcp.stream numbering). */
  id: number;
  ipVersion: 4 | 6;
  client: Endpoint;
  server: Endpoint;
  /** Capture time of the first and the last packet of the session (µs since the epoch). */
  startUs: number;
  endUs: number;
  handshake: Handshake;
  /** Sequence number of the first client payload byte (clientIsn + 1 when the SYN was seen). */
  clientDataSeq?: number;
  requests: CapturedRequest[];
  /**
   * Server payload bytes captured before the client's first payload byte, in a session whose SYN
   * was captured: a greeting (SMTP, FTP, POP3, MySQL). Final once the first request exists;
   * replay lets the target greet first.
   */
  greetingBytes: number;
  /**
   * The counters below (and endUs, clientDataSeq) are filled in when the session closes: read
   * them at sessionClosed, not while the session is open.
   */
  packets: number;
  bytesFromClient: number;
  bytesFromServer: number;
  ending: SessionEnding;
  /** Which side sent the first FIN or RST, when the session ended by one. */
  endedBy?: 'client' | 'server';
  /** Which side sent the first RST, when one came (a client's FIN answered by the server's RST: endedBy client, resetBy server). */
  resetBy?: 'client' | 'server';
  /** Anomalies found while reassembling the client side. */
  retransmissions: number;
  /** Missing client byte ranges (count) and bytes missing in all. */
  gaps: number;
  gapBytes: number;
  /** Segments whose payload the snap length cut (their bytes count as a gap). */
  truncatedSegments: number;
}

/** Receives a flow table's output as the capture is read. */
export interface FlowSink {
  /**
   * A session starts: called once its first packet has been taken in (`handshake.syn` says whether
   * that was the client's SYN). Returning false says its payload is not wanted (a replay that does
   * not plan it): the table then keeps counting it but keeps none of its bytes.
   */
  sessionOpened?(session: CapturedSession): unknown;
  /** A request is complete: the server answered after it, or the session ended. */
  requestCompleted?(session: CapturedSession, request: CapturedRequest): void;
  /** The session is over (FIN/RST both done, or the capture ended); no more calls for it follow. */
  sessionClosed?(session: CapturedSession): void;
}
