/**
 * Cuts the client's reassembled byte stream into requests: a request is the run of client bytes
 * between two server responses. It is complete (its bytes final) as soon as the server answers
 * after it; the answer's size and timing keep accruing to it until the next request starts.
 */
import type { StreamConsumer } from './client-stream.ts';
import { type CapturedRequest, type CapturedSession, PART_PAUSE_US, PART_SPAN_US } from './session.ts';
import { NO_TIME } from './timestamp.ts';

const NO_DATA = Buffer.alloc(0);
/** Requests without gaps or parts (nearly all) share this list; each gets its own before the first. */
const NONE: Array<[number, number]> = Object.freeze([]) as unknown as Array<[number, number]>;

export class RequestSplitter implements StreamConsumer {
  /** The request collecting client bytes (none until the client sends after the last answer). */
  private open: CapturedRequest | undefined;
  private openTsUs = NO_TIME;
  /** The open request's latest client segment time, and its bytes present so far (data offsets). */
  private lastBytesTsUs = NO_TIME;
  private presentBytes = 0;
  /** The open request's latest segment time before its last part began. */
  private beforeLastPartTsUs = NO_TIME;
  /** The open request's bytes, when payload is kept (undefined until the first). */
  private chunks: Buffer[] | undefined;
  /** The last completed request and its first segment's time: server answers count toward it. */
  private answered: CapturedRequest | undefined;
  private answeredTsUs = NO_TIME;

  constructor(
    private readonly session: CapturedSession,
    public keepPayload: boolean,
    private readonly completed: ((session: CapturedSession, request: CapturedRequest) => void) | undefined,
  ) {}

  /** Keeps no more payload, and lets go of what it kept of the open request (its first segment). */
  dropPayload(): void {
    this.keepPayload = false;
    this.chunks = undefined;
  }

  bytes(streamOffset: number, length: number, data: Buffer | undefined, tsUs: number): void {
    const open = this.openAt(streamOffset, tsUs);
    this.markPart(open, tsUs);
    if (!(tsUs <= this.lastBytesTsUs)) this.lastBytesTsUs = tsUs;
    this.presentBytes += length;
    open.length += length;
    if (!this.keepPayload || data === undefined) return;
    const chunk = Buffer.from(data);
    if (this.chunks === undefined) this.chunks = [chunk];
    else this.chunks.push(chunk);
  }

  /**
   * Starts a part of the open request at bytes sent at `tsUs` if the client paused before them, or
   * the current part has lasted PART_SPAN_US: the replay keeps the client's pace within a request.
   */
  private markPart(open: CapturedRequest, tsUs: number): void {
    const parts = open.parts;
    const last = parts[parts.length - 1];
    const partBeganUs = this.openTsUs + (last === undefined ? 0 : last[1]);
    if (last !== undefined && tsUs < partBeganUs) {
      // Bytes the client sent before the last part began, held behind a retransmission that
      // filled a hole late: the part began when they were sent, if the client had paused before
      // them, else the pause was the network's, not the client's.
      if (tsUs - this.beforeLastPartTsUs >= PART_PAUSE_US) last[1] = tsUs - this.openTsUs;
      else parts.pop();
      return;
    }
    // Without payload (inspect, a session not replayed) nothing is sent in parts: the first says
    // that the request has them, and a stream that lasts hours keeps no more.
    if (this.presentBytes === 0 || (!this.keepPayload && last !== undefined)) return;
    if (tsUs - this.lastBytesTsUs < PART_PAUSE_US && tsUs - partBeganUs < PART_SPAN_US) return;
    const part: [number, number] = [this.presentBytes, tsUs - this.openTsUs];
    if (parts === NONE) open.parts = [part];
    else parts.push(part);
    this.beforeLastPartTsUs = this.lastBytesTsUs;
  }

  gap(streamOffset: number, length: number, tsUs: number): void {
    const open = this.openAt(streamOffset, tsUs);
    if (open.gaps === NONE) open.gaps = [];
    const gaps = open.gaps;
    const relative = streamOffset - open.streamOffset;
    const last = gaps[gaps.length - 1];
    if (last !== undefined && last[0] + last[1] === relative) last[1] += length;
    else gaps.push([relative, length]);
    open.length += length;
  }

  /** The server sent `newBytes` (> 0) of payload not seen before: the open request (if any) is complete. */
  serverSent(newBytes: number, tsUs: number): void {
    const completed = this.close();
    const answered = this.answered;
    if (answered === undefined) {
      // Without the handshake, server bytes first are more likely the end of an earlier response.
      if (this.session.handshake.syn) this.session.greetingBytes += newBytes;
      return;
    }
    const sinceRequest = Math.max(0, tsUs - this.answeredTsUs);
    answered.responseBytes += newBytes;
    answered.responseFirstUs ??= sinceRequest;
    answered.responseLastUs = Math.max(answered.responseLastUs ?? 0, sinceRequest);
    // Told only now, its first answer bytes counted: a replay may send it at once, and reads the
    // capture's answer to know whether to wait for one.
    if (completed !== undefined) this.completed?.(this.session, completed);
  }

  /** The client's FIN at `tsUs`: an open request (not answered yet) is one the client half-closed after. */
  clientClosed(tsUs: number): void {
    const open = this.open;
    if (open === undefined) return;
    open.halfClosed = true;
    open.halfClosedAfterUs = Math.max(0, tsUs - this.openTsUs);
  }

  /** Closes the open request: the server answered, or the session is over. */
  complete(): void {
    const request = this.close();
    if (request !== undefined) this.completed?.(this.session, request);
  }

  /** Closes the open request without telling the sink; returns it (undefined: none was open). */
  private close(): CapturedRequest | undefined {
    const request = this.open;
    if (request === undefined) return undefined;
    this.open = undefined;
    const chunks = this.chunks;
    if (chunks !== undefined) {
      // One segment is the common case: its copy is already the request's own buffer.
      request.data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      this.chunks = undefined;
    }
    this.session.requests.push(request);
    this.answered = request;
    this.answeredTsUs = this.openTsUs;
    return request;
  }

  private openAt(streamOffset: number, tsUs: number): CapturedRequest {
    if (this.open !== undefined) return this.open;
    const session = this.session;
    this.open = {
      index: session.requests.length,
      offsetUs: Math.max(0, tsUs - session.startUs),
      streamOffset,
      length: 0,
      data: NO_DATA,
      gaps: NONE,
      parts: NONE,
      responseBytes: 0,
      // Present from the start (see SessionTracker): one object shape for every request.
      responseFirstUs: undefined,
      responseLastUs: undefined,
      halfClosed: undefined,
      halfClosedAfterUs: undefined,
    };
    this.openTsUs = tsUs;
    this.lastBytesTsUs = tsUs;
    this.presentBytes = 0;
    return this.open;
  }
}
