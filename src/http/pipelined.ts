/**
 * The HTTP/1.x requests one after another in a captured request: a client that pipelines (wrk's
 * pipeline.lua, a proxy) writes several before the first response, and the capture holds them as
 * one request. Each is a request line, a head, and a Content-Length body.
 */

import { ChunkedBody } from './chunked-body.ts';
import {
  CHUNKED_FIELD as CHUNKED,
  CONTENT_LENGTH_FIELD as CONTENT_LENGTH,
  HTTP_HEAD_END as HEAD_END,
  type HttpRequestLine,
  parseHttpRequestLine,
} from './request-line.ts';

export interface PipelinedRequests {
  /** The requests' methods, in order: one for a single request, none when `data` does not begin with a request line. */
  methods: string[];
  /** Where each of them ends in `data` (a request cut at the end: the end of `data`). */
  ends: number[];
  /**
   * `data` is whole requests and nothing else (each head, and its Content-Length or chunked
   * body): a 100 Continue to them is interim, the final response still due. False for a head
   * whose body the client sends only after a 100 Continue (`Expect: 100-continue`).
   */
  whole: boolean;
}

/**
 * The requests in `data`. A request after the first counts only when all of it is in `data`
 * (head, and body by its Content-Length or chunks): the rest of one cut at the end goes with the
 * next captured request, and its answer with that one's.
 */
export function pipelinedRequests(
  data: Uint8Array,
  first: HttpRequestLine | undefined = parseHttpRequestLine(data),
): PipelinedRequests {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
  const methods: string[] = [];
  const ends: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const line = at === 0 ? first : parseHttpRequestLine(bytes.subarray(at));
    if (!line) return { methods, ends, whole: false };
    const headEnd = bytes.indexOf(HEAD_END, at);
    const end =
      headEnd < 0 ? -1 : bodyEnd(bytes, bytes.toString('latin1', at, headEnd + 2), headEnd + HEAD_END.length);
    const whole = end >= 0 && end <= bytes.length;
    if (methods.length > 0 && !whole) return { methods, ends, whole: false };
    methods.push(line.method);
    ends.push(whole ? end : bytes.length);
    if (!whole) return { methods, ends, whole: false };
    at = end;
  }
  return { methods, ends, whole: methods.length > 0 };
}

/** Where the body after `head` (starting at `start`) ends by its framing; -1: a chunked body not all there. */
function bodyEnd(bytes: Buffer, head: string, start: number): number {
  if (CHUNKED.test(head)) return new ChunkedBody().consume(bytes, start);
  return start + Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
}
