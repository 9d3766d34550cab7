/**
 * When a response whose end its bytes do not tell (not HTTP-framed; the raw transport sees only
 * headers) counts as over: no new response bytes for the captured RTT scaled by the speed, the
 * capture's own notion of "the server is done". Bounded below, for loopback RTTs and --speed max
 * (response segments a millisecond apart, or in separate intercept frames, stay one response),
 * and above, so that a slow captured handshake does not stall every request. And whether a
 * response is waited for at all (`answerExpected`). One definition for both transports.
 */
import type { CapturedRequest, CapturedSession } from '../flow/session.ts';
import type { HttpRequestLine } from '../http/request-line.ts';
import { onlyUnansweredHttp2Frames } from './http2-control.ts';

export interface ResponseQuiet {
  /** RTT assumed when the capture has none (no complete handshake). */
  defaultRttUs: number;
  minUs: number;
  maxUs: number;
  /** How long after its request a response shorter than the captured one may still grow, at most. */
  shortResponseMaxUs: number;
}

export const RESPONSE_QUIET: Readonly<ResponseQuiet> = {
  defaultRttUs: 20_000,
  minUs: 2_000,
  maxUs: 1_000_000,
  shortResponseMaxUs: 10_000_000,
};

export function responseQuietUs(
  capturedRttUs: number | undefined,
  speed: number,
  quiet: Readonly<ResponseQuiet> = RESPONSE_QUIET,
): number {
  const rttUs = capturedRttUs !== undefined && capturedRttUs > 0 ? capturedRttUs : quiet.defaultRttUs;
  return Math.min(quiet.maxUs, Math.max(quiet.minUs, rttUs / speed));
}

/**
 * Whether the request is HTTP, asked only where it matters: parsing the request line is left out
 * of the common paths (each response segment in the raw engine).
 */
export type IsHttp = () => boolean;
const notHttp: IsHttp = () => false;

/**
 * How long after its request (its last byte) a response shorter than the captured one may still
 * grow (µs): the captured response's end and half as much again, for a target a little slower than the captured
 * server; 0 when the capture saw no response, or all of it at one moment; at most
 * `shortResponseMaxUs` (10 s; 1 s for HTTP). Until then such a response is not over, however quiet the target: a
 * reply sent in parts (held back by Nagle's algorithm and a delayed ACK, 40 ms apart even on
 * loopback) is one reply, and so is one paused mid-way (a report that streams its rows after a
 * header, git packing a repository). The target's time: the speed does not scale it.
 */
export function capturedResponseEndUs(
  request: CapturedRequest,
  quiet: Readonly<ResponseQuiet> = RESPONSE_QUIET,
  isHttp: IsHttp = notHttp,
): number {
  const { responseFirstUs: firstUs, responseLastUs: lastUs } = request;
  // A response captured in one piece gives no reason to wait for more of it.
  if (firstUs === undefined || lastUs === undefined || lastUs <= firstUs) return 0;
  // From the request's last part, as the replay measures (the captured times are from its first).
  const sinceLastPartUs = Math.max(0, lastUs - (request.parts.at(-1)?.[1] ?? 0));
  const waitUs = sinceLastPartUs * 1.5;
  if (waitUs <= quiet.maxUs) return waitUs;
  // An HTTP response shorter than the captured one is most often another answer (a 304, an error
  // page), not one paused: where its framing is not read (the raw transport), the quiet's bound.
  return Math.min(isHttp() ? quiet.maxUs : quiet.shortResponseMaxUs, waitUs);
}

/**
 * Whether the next request waits for a response byte to this one (then for the quiet): when the
 * capture had a response (unless it is HTTP/2 frames no peer answers: ./http2-control.ts), or the
 * request is HTTP, which is always answered. Otherwise only the
 * quiet is waited for, and a request the server did not answer does not hold the next one back.
 * `http`: the request line already parsed, or a parser called only when the capture had no
 * response (most requests have one, and need no parse here).
 */
export function answerExpected(
  request: CapturedRequest,
  http: HttpRequestLine | undefined | (() => HttpRequestLine | undefined),
): boolean {
  if (request.responseBytes > 0) return !onlyUnansweredHttp2Frames(request.data);
  return (typeof http === 'function' ? http() : http) !== undefined;
}

/**
 * The capture shows a request unanswered, and nothing says an answer was due (`expectsAnswer`,
 * from answerExpected, is false), in a session whose server's side was captured (its SYN-ACK, a
 * greeting or an answer): the target not answering it either is as captured (a QUIT, a Postgres
 * Terminate, every line of a syslog client), not a loss. In a session without any of these (a
 * one-sided capture) nothing tells, and an unanswered request counts as lost.
 */
export function unansweredInCapture(session: CapturedSession, expectsAnswer: boolean): boolean {
  if (expectsAnswer) return false;
  // A captured SYN-ACK shows the server's side was captured: a server that sent nothing sent nothing.
  return (
    session.handshake.synAck || session.greetingBytes > 0 || session.requests.some((r) => r.responseBytes > 0)
  );
}

/**
 * A target may send its next message without waiting for the client's next request (SSH's
 * KEXINIT, rsync's checksum setup): against a fast target it arrives with the answer before, and
 * the next request's answer has already come. The bytes of a response beyond its captured one
 * (other than HTTP, whose framing tells) may be that answer: this many.
 */
export function bytesBeyondCaptured(request: CapturedRequest, isHttp: IsHttp, responseBytes: number): number {
  if (request.responseBytes === 0 || responseBytes <= request.responseBytes || isHttp()) return 0;
  return responseBytes - request.responseBytes;
}

/**
 * When a request may have been answered ahead (bytesBeyondCaptured of the response before are as
 * many as its captured answer had: a response that merely grew, by some other count, is no sign
 * of it), how long it waits for an answer of its own before that one counts (µs):
 * until its captured answer's first byte and half as long again, and at least the quiet's upper
 * bound, so that a target merely slower than the captured server, whose answers also grew, is
 * still waited for. Undefined when it may not have been.
 */
export function answeredAheadWaitUs(
  request: CapturedRequest,
  isHttp: IsHttp,
  aheadBytes: number,
  quiet: Readonly<ResponseQuiet> = RESPONSE_QUIET,
): number | undefined {
  if (request.responseBytes === 0 || aheadBytes !== request.responseBytes || isHttp()) return undefined;
  return Math.max(quiet.maxUs, (request.responseFirstUs ?? 0) * 1.5);
}
