import { ChunkedBody } from './chunked-body.ts';
import { CHUNKED_FIELD as CHUNKED, CONTENT_LENGTH_FIELD as CONTENT_LENGTH } from './request-line.ts';

/**
 * Knows when an HTTP/1.x response is complete from its framing (Content-Length, chunked
 * encoding, or a status without a body), so that the next request can go out at once rather
 * than after a quiet period. Fed the response bytes as they arrive; says `unknown` for anything
 * that is not HTTP or has no framing (then the caller falls back to waiting for quiet).
 * A captured request of several pipelined requests is answered by as many responses, one after
 * another: complete after the last of them. Its status is the first one's.
 */
export type FramingState = 'incomplete' | 'complete' | 'unknown';

const MAX_HEAD = 64 * 1024;
const HTTP_SLASH = Buffer.from('HTTP/', 'latin1');
const NOTHING_YET = Buffer.alloc(0);
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})/;
const CONNECTION_CLOSE = /\r\nconnection:[^\r]*\bclose\b/i;
const CONNECTION_KEEP_ALIVE = /\r\nconnection:[^\r]*\bkeep-alive\b/i;
/** The connection speaks another protocol after it (a WebSocket upgrade): a final response. */
const SWITCHING_PROTOCOLS = 101;
const CONTINUE = 100;
const CR = 0x0d;
const LF = 0x0a;

export class HttpResponseFraming {
  /** Bytes of the head read so far (undefined once the head is parsed). */
  private head: Buffer | undefined = NOTHING_YET;
  private bodyRemaining = 0;
  private chunked: ChunkedBody | undefined;
  private state: FramingState = 'incomplete';
  private status: number | undefined;
  private closes = false;
  /** A 102 or 103 came and no final response after it yet. */
  private interim = false;
  private readonly requestMethods: (string | undefined)[];
  /** Final responses complete so far (of pipelined requests). */
  private answered = 0;
  /** The requests' bodies are all sent: a 100 Continue is interim, not the answer to a head. */
  private bodiesSent = false;

  /** One request method per request the responses answer (pipelined requests: several). */
  constructor(...requestMethods: (string | undefined)[]) {
    this.requestMethods = requestMethods.length > 0 ? requestMethods : [undefined];
  }

  /**
   * More requests went out on the connection before the responses owed so far came (--no-wait):
   * their responses follow those. The status is then the first final one whose head comes after.
   */
  expect(...requestMethods: (string | undefined)[]): FramingState {
    if (this.state === 'unknown') return this.state;
    // No request line while a response is due: the body of the last request (sent after its
    // 100 Continue), not one more.
    if (requestMethods.length === 0 && this.state === 'incomplete') return this.state;
    this.requestMethods.push(...(requestMethods.length > 0 ? requestMethods : [undefined]));
    this.status = undefined;
    if (this.state === 'complete') {
      this.state = 'incomplete';
      this.head = NOTHING_YET;
    }
    return this.state;
  }

  /** The last request went whole (no body waits for a 100 Continue): after one, the final response is due. */
  finalDueAfterContinue(bodiesSent: boolean): this {
    this.bodiesSent = bodiesSent;
    return this;
  }

  /**
   * Requests whose responses will not come on this connection: the server closed it (a
   * `Connection: close`, a request limit) after answering only the first of those pipelined.
   */
  get cutOff(): number {
    return this.state === 'complete' && this.closes
      ? Math.max(0, this.requestMethods.length - this.answered)
      : 0;
  }

  get statusCode(): number | undefined {
    return this.status;
  }

  /** Part of a response head came ("HTTP/1.1 200 OK\r\nContent-"), and not its end yet. */
  get inHead(): boolean {
    return this.state === 'incomplete' && this.head !== undefined && this.head.length > 0;
  }

  /**
   * A 102 Processing or 103 Early Hints came (or a 100 Continue to requests sent whole), and the
   * final response is still due: however long the server takes, the response is not over. (After
   * a 100 Continue to a head alone the client sends its body, which the capture holds as a request
   * of its own: that one is not waited for here.)
   */
  get awaitingFinal(): boolean {
    return this.state === 'incomplete' && this.interim;
  }

  /** A response's head came and its framing says more body is due. */
  get inBody(): boolean {
    return this.state === 'incomplete' && this.head === undefined;
  }

  /** The server ends the connection after this response (`Connection: close`, or HTTP/1.0 without keep-alive). */
  get closesConnection(): boolean {
    return this.closes;
  }

  push(data: Buffer): FramingState {
    if (this.state !== 'incomplete') return this.state;
    if (this.head === undefined) return this.consumeBody(data);
    const before = this.head.length;
    const head = before === 0 ? data : Buffer.concat([this.head, data]);
    // Not HTTP as soon as a byte differs from "HTTP/" (a 4-byte Redis ":1\r\n" included).
    if (!startsWith(head, HTTP_SLASH)) return this.settle('unknown');
    // The head's end is looked for only where it can be new: a head that comes a few bytes at a
    // time is read once, not again for every piece.
    const bodyStart = headLength(head, Math.max(0, before - 2));
    if (bodyStart < 0) {
      this.head = head;
      return head.length > MAX_HEAD ? this.settle('unknown') : this.state;
    }
    this.head = undefined;
    // Lines may end in a bare LF (RFC 9112 2.2): read as CRLF.
    this.parseHead(head.toString('latin1', 0, bodyStart).replace(/\r?\n/g, '\r\n').slice(0, -2));
    if (this.state !== 'incomplete' || bodyStart === head.length) return this.state;
    if (this.head !== undefined) return this.push(head.subarray(bodyStart)); // after a 100 Continue
    return this.consumeBody(head, bodyStart);
  }

  private settle(state: FramingState): FramingState {
    this.state = state;
    return state;
  }

  /** `head` is the status line and the header lines, each ending in CRLF. */
  private parseHead(head: string): void {
    const status = STATUS_LINE.exec(head);
    if (!status) {
      this.settle('unknown');
      return;
    }
    const code = Number(status[2]);
    if (code < 200 && code !== SWITCHING_PROTOCOLS) {
      // An interim response (100 Continue, 102 Processing, 103 Early Hints): the final one follows.
      this.head = NOTHING_YET;
      if (code !== CONTINUE || this.bodiesSent) this.interim = true;
      return;
    }
    this.interim = false;
    this.status ??= code;
    // A 2xx to CONNECT turns the connection into a tunnel right after its head (RFC 9112 6.3).
    const tunnel = this.requestMethods[this.answered] === 'CONNECT' && code >= 200 && code < 300;
    if (!tunnel && (status[1] === '0' ? !CONNECTION_KEEP_ALIVE.test(head) : CONNECTION_CLOSE.test(head)))
      this.closes = true;
    const noBody =
      tunnel ||
      this.requestMethods[this.answered] === 'HEAD' ||
      code === 204 ||
      code === 304 ||
      code === SWITCHING_PROTOCOLS;
    if (noBody) {
      this.responseEnded();
      return;
    }
    if (CHUNKED.test(head)) {
      this.chunked = new ChunkedBody();
      return;
    }
    const length = CONTENT_LENGTH.exec(head);
    if (!length) {
      this.settle('unknown'); // read-until-close framing
      return;
    }
    this.bodyRemaining = Number(length[1]);
    if (this.bodyRemaining === 0) this.responseEnded();
  }

  /** Body bytes: `data` from `start` on. */
  private consumeBody(data: Buffer, start = 0): FramingState {
    let end: number;
    if (this.chunked) {
      end = this.chunked.consume(data, start);
      if (end < 0) return this.state;
    } else {
      this.bodyRemaining -= data.length - start;
      if (this.bodyRemaining > 0) return this.state;
      end = data.length + this.bodyRemaining;
    }
    this.responseEnded();
    return this.state === 'incomplete' && end < data.length ? this.push(data.subarray(end)) : this.state;
  }

  /** A final response ended: complete, or the next pipelined one is due (unless the server closes). */
  private responseEnded(): void {
    this.answered++;
    // Ready for the next response, also after complete: expect() may reopen the framing.
    this.head = NOTHING_YET;
    this.bodyRemaining = 0;
    this.chunked = undefined;
    if (this.answered >= this.requestMethods.length || this.closes) this.settle('complete');
  }
}

/** `data` begins with `prefix`, or, shorter than it, with its first bytes. */
function startsWith(data: Buffer, prefix: Buffer): boolean {
  const n = Math.min(data.length, prefix.length);
  for (let i = 0; i < n; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/** Where the body starts: just past the empty line ending the head (CRLF or bare LF lines), or -1. */
function headLength(head: Buffer, from: number): number {
  for (let at = head.indexOf(LF, from); at >= 0; at = head.indexOf(LF, at + 1)) {
    if (head[at + 1] === LF) return at + 2;
    if (head[at + 1] === CR && head[at + 2] === LF) return at + 3;
  }
  return -1;
}
