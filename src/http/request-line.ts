/**
 * Recognises HTTP/1.x request lines in captured requests; anything else stays byte-level
 * (undefined). Responses are framed, status included, by response-framing.ts.
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

/** The blank line that ends an HTTP/1.x head; the framing header fields of a head (as text). */
export const HTTP_HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
export const CONTENT_LENGTH_FIELD = /\r\ncontent-length:[ \t]*(\d+)[ \t]*\r\n/i;
export const CHUNKED_FIELD = /\r\ntransfer-encoding:[^\r]*chunked/i;

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
