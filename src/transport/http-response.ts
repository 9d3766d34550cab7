/**
 * Knows when an HTTP/1.x response is complete from its framing (Content-Length, chunked
 * encoding, or a status without a body), so that the next request can go out at once rather
 * than after a quiet period. Fed the response bytes as they arrive; says `unknown` for anything
 * that is not HTTP or has no framing (then the caller falls back to waiting for quiet).
 */
export type FramingState = 'incomplete' | 'complete' | 'unknown';

const MAX_HEAD = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const HTTP_SLASH = Buffer.from('HTTP/', 'latin1');
const NOTHING_YET = Buffer.alloc(0);
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})/;
const CONNECTION_CLOSE = /\r\nconnection:[^\r]*\bclose\b/i;
const CONNECTION_KEEP_ALIVE = /\r\nconnection:[^\r]*\bkeep-alive\b/i;
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)[ \t]*\r\n/i;
const CHUNKED = /\r\ntransfer-encoding:[^\r]*chunked/i;
const LAST_CHUNK = /(^|\r\n)0\r\n(.*\r\n)?\r\n$/;

export class HttpResponseFraming {
  /** Bytes of the head read so far (undefined once the head is parsed). */
  private head: Buffer | undefined = NOTHING_YET;
  private bodyRemaining = 0;
  private chunked = false;
  private chunkTail = '';
  private state: FramingState = 'incomplete';
  private status: number | undefined;
  private closes = false;

  constructor(private readonly requestMethod?: string) {}

  get statusCode(): number | undefined {
    return this.status;
  }

  /** Part of a response head came ("HTTP/1.1 200 OK\r\nContent-"), and not its end yet. */
  get inHead(): boolean {
    return this.state === 'incomplete' && this.head !== undefined && this.head.length > 0;
  }

  /** The server ends the connection after this response (`Connection: close`, or HTTP/1.0 without keep-alive). */
  get closesConnection(): boolean {
    return this.closes;
  }

  push(data: Buffer): FramingState {
    if (this.state !== 'incomplete') return this.state;
    if (this.head === undefined) return this.consumeBody(data);
    const head = this.head.length === 0 ? data : Buffer.concat([this.head, data]);
    // Not HTTP as soon as a byte differs from "HTTP/" (a 4-byte Redis ":1\r\n" included).
    if (!startsWith(head, HTTP_SLASH)) return this.settle('unknown');
    const end = head.indexOf(HEAD_END);
    if (end < 0) {
      this.head = head;
      return head.length > MAX_HEAD ? this.settle('unknown') : this.state;
    }
    this.head = undefined;
    this.parseHead(head.toString('latin1', 0, end + 2));
    const bodyStart = end + HEAD_END.length;
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
    this.status = Number(status[2]);
    this.closes = status[1] === '0' ? !CONNECTION_KEEP_ALIVE.test(head) : CONNECTION_CLOSE.test(head);
    if (this.status === 100) {
      // An interim response: the real one follows.
      this.head = NOTHING_YET;
      return;
    }
    const noBody =
      this.requestMethod === 'HEAD' || this.status === 204 || this.status === 304 || this.status < 200;
    if (noBody) {
      this.settle('complete');
      return;
    }
    if (CHUNKED.test(head)) {
      this.chunked = true;
      return;
    }
    const length = CONTENT_LENGTH.exec(head);
    if (!length) {
      this.settle('unknown'); // read-until-close framing
      return;
    }
    this.bodyRemaining = Number(length[1]);
    if (this.bodyRemaining === 0) this.settle('complete');
  }

  /** Body bytes: `data` from `start` on. */
  private consumeBody(data: Buffer, start = 0): FramingState {
    if (this.chunked) {
      // Only the terminating zero-length chunk matters; keep a short tail to find it across reads.
      const tail = data.toString('latin1', Math.max(start, data.length - 16));
      this.chunkTail = (this.chunkTail + tail).slice(-16);
      return LAST_CHUNK.test(this.chunkTail) ? this.settle('complete') : this.state;
    }
    this.bodyRemaining -= data.length - start;
    return this.bodyRemaining <= 0 ? this.settle('complete') : this.state;
  }
}

/** `data` begins with `prefix`, or, shorter than it, with its first bytes. */
function startsWith(data: Buffer, prefix: Buffer): boolean {
  const n = Math.min(data.length, prefix.length);
  for (let i = 0; i < n; i++) if (data[i] !== prefix[i]) return false;
  return true;
}
