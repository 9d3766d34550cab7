/**
 * The replay plan: captured sessions selected by the transfer map, sampled, multiplied and
 * looped, each placed on the replay timeline. A planned session is handed to a transport as
 * soon as its first packet has been read; its requests keep arriving as the capture is read
 * further (`requestAvailable`), until `inputEnded`.
 */
import type { CapturedSession, Endpoint } from '../flow/session.ts';
import { hostPort } from '../packet/address.ts';

export interface PlannedSession {
  /** Unique in the run: `<session id>.<copy>.<loop>` (with several captures, prefixed by the capture index). */
  key: string;
  /** Position in the plan: 0, 1, 2, ... in the order sessions were planned. */
  ordinal: number;
  /** Index of the capture in the run's list of captures. */
  captureIndex: number;
  session: CapturedSession;
  /** 0..multiply-1 */
  copy: number;
  /** 0..loop-1 */
  loop: number;
  target: Endpoint;
  /** Where the session starts on the replay timeline (µs; idle gaps cut by --max-idle). */
  startUs: number;
  /** Per request, its offset from the session's start on the replay timeline (µs). */
  requestOffsetsUs: number[];
  /**
   * Per request, how long after its first byte each later part of it is due (µs on the replay
   * timeline, one per `request.parts`; empty for a request sent at once).
   */
  partDelaysUs: Array<readonly number[]>;
  /**
   * When the captured client half-closed after its last request (CapturedRequest.halfClosed): how
   * long after that request's first byte (µs on the replay timeline).
   */
  halfCloseDelayUs?: number;
  /** No more requests will be appended. */
  inputEnded: boolean;
  /**
   * The captured session's last packet, from its start on the replay timeline (µs); set when
   * `inputEnded` becomes true. The captured client held its connection open until then.
   */
  endOffsetUs?: number;
  /** When set, the session is not sent and ends with this reason ('not-replayable'). */
  notReplayable?: string;
}

/** What a transport does with one planned session. Created when the session is due to start. */
export interface SessionDriver {
  /** A request was appended to `planned.session.requests`. */
  requestAvailable(): void;
  /** `planned.inputEnded` became true. */
  inputEnded(): void;
  /** The run is stopped (the user, a signal, an unreadable capture): end now and report 'stopped' with `reason`. */
  stop(reason?: string): void;
}

export function sessionKey(captureIndex: number, sessionId: number, copy: number, loop: number): string {
  return captureIndex === 0 ? `${sessionId}.${copy}.${loop}` : `${captureIndex}:${sessionId}.${copy}.${loop}`;
}

export function endpointText(e: Endpoint): string {
  return hostPort(e.ip, e.port);
}
