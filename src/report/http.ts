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
const MAX_METHOD = 32;
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const HTTP_1_DOT = Buffer.from('HTTP/1.');

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}

/** A method character after the first: A-Z, 0-9, '_' or '-'. */
function isMethodChar(c: number): boolean {
  return isUpper(c) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
}

/**
 * Reads the request line (`METHOD SP target SP HTTP/1.x CRLF`, or a bare LF) at the start of
 * `data`. For pipelined requests in one captured request, this is the first. Byte by byte, as
 * it runs for every replayed request.
 */
export function parseHttpRequestLine(data: Uint8Array): HttpRequestLine | undefined {
  const limit = Math.min(data.length, MAX_REQUEST_LINE);
  if (limit === 0 || !isUpper(data[0])) return undefined;
  let at = 1;
  while (at < limit && at <= MAX_METHOD && isMethodChar(data[at])) at++;
  if (at > MAX_METHOD || at >= limit || data[at] !== SP) return undefined;
  const methodEnd = at++;
  const pathStart = at;
  while (at < limit && data[at] !== SP && data[at] !== LF) at++;
  if (at === pathStart || at >= limit || data[at] !== SP) return undefined;
  const pathEnd = at++;
  for (let i = 0; i < HTTP_1_DOT.length; i++, at++)
    if (at >= limit || data[at] !== HTTP_1_DOT[i]) return undefined;
  if (at >= limit || data[at] < 0x30 || data[at] > 0x39) return undefined;
  at++;
  if (at < limit && data[at] === CR) at++;
  if (at >= limit || data[at] !== LF) return undefined;
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, pathEnd);
  return {
    method: bytes.toString('latin1', 0, methodEnd),
    path: bytes.toString('latin1', pathStart, pathEnd),
  };
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
