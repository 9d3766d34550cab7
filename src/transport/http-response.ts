/**
 * Knows when an HTTP/1.x response is complete from its framing (Content-Length, chunked
 * encoding, or a status without a body), so that the next request can go out at once rather
 * than after a quiet period. Fed the response bytes as they arrive; says `unknown` for anything
 * that is not HTTP or has no framing (then the caller falls back to waiting for quiet).
 */
export type FramingState = 'incomplete' | 'complete' | 'unknown';

const MAX_HEAD = 64 * 1024;

export class HttpResponseFraming {
  private head = '';
  private bodyRemaining = -1;
  private chunked = false;
  private chunkTail = '';
  private state: FramingState = 'incomplete';
  private status: number | undefined;

  constructor(private readonly requestMethod?: string) {}

  get statusCode(): number | undefined {
    return this.status;
  }

  push(data: Buffer): FramingState {
    if (this.state !== 'incomplete') return this.state;
    if (this.bodyRemaining < 0 && !this.chunked) {
      this.head += data.toString('latin1');
      if (this.head.length >= 5 && !this.head.startsWith('HTTP/')) return this.settle('unknown');
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return this.head.length > MAX_HEAD ? this.settle('unknown') : this.state;
      const rest = Buffer.from(this.head.slice(end + 4), 'latin1');
      this.parseHead(this.head.slice(0, end));
      if (this.state !== 'incomplete') return this.state;
      return rest.length > 0 ? this.consumeBody(rest) : this.state;
    }
    return this.consumeBody(data);
  }

  private settle(state: FramingState): FramingState {
    this.state = state;
    return state;
  }

  private parseHead(head: string): void {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) {
      this.state = 'unknown';
      return;
    }
    this.status = Number(m[1]);
    if (this.status === 100) {
      // An interim response: the real one follows.
      this.head = '';
      return;
    }
    let length: number | undefined;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length' && /^\d+$/.test(value)) length = Number(value);
      if (name === 'transfer-encoding' && value.toLowerCase().includes('chunked')) this.chunked = true;
    }
    const noBody =
      this.requestMethod === 'HEAD' || this.status === 204 || this.status === 304 || this.status < 200;
    if (noBody) this.state = 'complete';
    else if (this.chunked) this.bodyRemaining = 0;
    else if (length !== undefined) {
      this.bodyRemaining = length;
      if (length === 0) this.state = 'complete';
    } else this.state = 'unknown'; // read-until-close framing
  }

  private consumeBody(data: Buffer): FramingState {
    if (this.chunked) {
      // Only the terminating zero-length chunk matters; keep a short tail to find it across reads.
      this.chunkTail = (this.chunkTail + data.toString('latin1')).slice(-16);
      if (/(^|\r\n)0\r\n(.*\r\n)?\r\n$/.test(this.chunkTail)) this.state = 'complete';
      return this.state;
    }
    this.bodyRemaining -= data.length;
    if (this.bodyRemaining <= 0) this.state = 'complete';
    return this.state;
  }
}
