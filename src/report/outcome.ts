/**
 * The vocabulary of a replay's results, shared by every transport, the live view and the run
 * report. Every planned session ends with exactly one outcome.
 */

export type SessionOutcome =
  /** Every request was sent and the session closed normally. */
  | 'completed'
  /** The target reset the connection with requests left (after reconnect attempts). */
  | 'reset-by-target'
  /** The target closed the connection with requests left. */
  | 'closed-early'
  /** No answer within the session timeout. */
  | 'timed-out'
  /** The connection was refused (RST to the SYN, ECONNREFUSED) or the SYN was never answered. */
  | 'refused'
  /** Not sent at all: see `reason` (e.g. no handshake with --only-complete, sampled out, IPv6 on raw). */
  | 'not-replayable'
  /** The run was stopped (q, Ctrl-C, SIGTERM) before the session ended. */
  | 'stopped'
  /** A local error (socket error, send failure); see `reason`. */
  | 'error';

export interface HttpRequestInfo {
  method: string;
  path: string;
  /** Status code of the response, when one was read (socket transport). */
  status?: number;
}

export interface RequestResult {
  /** Index of the captured request in its session. */
  index: number;
  /** When it should have been sent and when it was, ms since the run started. */
  scheduledMs: number;
  sentMs?: number;
  bytesSent: number;
  /** From the request's last byte sent to the first and the last response byte (ms). */
  firstByteMs?: number;
  lastByteMs?: number;
  responseBytes: number;
  http?: HttpRequestInfo;
  /** The capture holds no answer to it either, and none was due (not HTTP): unanswered, it is not lost. */
  unansweredInCapture?: true;
}

export interface SessionResult {
  /** Which capture of the run it came from (index into the report's captures), absent for the first. */
  capture?: number;
  /** The captured session's id (CapturedSession.id), numbered per capture. */
  sessionId: number;
  /** Which copy (0..n-1 with --multiply) and which loop (0.. with --loop). */
  copy: number;
  loop: number;
  /** Captured client and server, and where this replay went. */
  client: string;
  server: string;
  target: string;
  /** The client address:port the target saw (raw transport, or the local socket address). */
  replayedFrom?: string;
  outcome: SessionOutcome;
  reason?: string;
  /** New connections after the target closed or reset one with requests left (absent when none). */
  reconnects?: number;
  startedMs?: number;
  endedMs?: number;
  requestsPlanned: number;
  /** Of those, requests none of whose bytes are in the capture: never sent (absent when none). */
  requestsNotCaptured?: number;
  requests: RequestResult[];
  bytesSent: number;
  bytesReceived: number;
}
