/**
 * Recognises HTTP/1.x in replayed bytes: the request line of a captured request, and the status
 * line of a response as it arrives. Anything else stays byte-level (undefined).
 */

export interface HttpRequestLine {
  method: string;
  /** The request target as sent (query included). */
  path: string;
}

/** Longest request line looked at: a line longer than this is not treated as HTTP. */
const MAX_REQUEST_LINE = 8192;
const METHOD = /^[A-Z][A-Z0-9_-]{0,31}$/;
const VERSION = /^HTTP\/1\.[0-9]$/;

/**
 * Reads the request line (`METHOD SP target SP HTTP/1.x CRLF`) at the start of `data`. For
 * pipelined requests in one captured request, this is the first.
 */
export function parseHttpRequestLine(data: Uint8Array): HttpRequestLine | undefined {
  const lineEnd = data.subarray(0, MAX_REQUEST_LINE).indexOf(0x0a);
  if (lineEnd < 0) return undefined;
  const line = Buffer.from(data.buffer, data.byteOffset, lineEnd).toString('latin1').replace(/\r$/, '');
  const parts = line.split(' ');
  if (parts.length !== 3) return undefined;
  const [method, path, version] = parts as [string, string, string];
  if (!METHOD.test(method) || path.length === 0 || !VERSION.test(version)) return undefined;
  return { method, path };
}

/** `HTTP/1.x NNN`: the bytes of a status line needed to know the code. */
const STATUS_PREFIX_LENGTH = 12;
const STATUS_PREFIX = /^HTTP\/1\.[0-9] ([1-5][0-9][0-9])$/;

/**
 * Reads a response's status code from its bytes as they arrive, in chunks of any size.
 * `status` is set once 12 bytes were seen and they open an HTTP/1.x status line; after 12
 * bytes that do not, `done` is true and `status` stays undefined. `reset()` before the next
 * response.
 */
export class HttpStatusReader {
  private readonly head = Buffer.alloc(STATUS_PREFIX_LENGTH);
  private filled = 0;
  status: number | undefined;

  get done(): boolean {
    return this.filled === STATUS_PREFIX_LENGTH;
  }

  /** Feeds response bytes; returns the status once known. */
  feed(chunk: Uint8Array): number | undefined {
    if (this.done) return this.status;
    const take = Math.min(chunk.length, STATUS_PREFIX_LENGTH - this.filled);
    this.head.set(chunk.subarray(0, take), this.filled);
    this.filled += take;
    if (this.done) {
      const match = STATUS_PREFIX.exec(this.head.toString('latin1'));
      this.status = match ? Number(match[1]) : undefined;
    }
    return this.status;
  }

  reset(): void {
    this.filled = 0;
    this.status = undefined;
  }
}

/** The endpoint an HTTP request counts under: method and path without the query. */
export function endpointOf(request: HttpRequestLine): HttpRequestLine {
  const query = request.path.indexOf('?');
  return { method: request.method, path: query < 0 ? request.path : request.path.slice(0, query) };
}
