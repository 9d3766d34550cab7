/**
 * The HTTP/1.x requests one after another in a captured request: a client that pipelines (wrk's
 * pipeline.lua, a proxy) writes several before the first response, and the capture holds them as
 * one request. Each is a request line, a head, and a Content-Length body.
 */
import {
  CHUNKED_FIELD as CHUNKED,
  CONTENT_LENGTH_FIELD as CONTENT_LENGTH,
  HTTP_HEAD_END as HEAD_END,
  type HttpRequestLine,
  parseHttpRequestLine,
} from './http.ts';

/**
 * The methods of the requests in `data`, in order: one for a single request, none when it does not
 * begin with a request line. A request after the first counts only when all of it is in `data`
 * (head, and body by its Content-Length): the rest of one cut at the end goes with the next
 * captured request, and its answer with that one's. Counting stops at a chunked body.
 */
export function pipelinedRequestMethods(
  data: Uint8Array,
  first: HttpRequestLine | undefined = parseHttpRequestLine(data),
): string[] {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
  const methods: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const line = at === 0 ? first : parseHttpRequestLine(bytes.subarray(at));
    if (!line) break;
    const headEnd = bytes.indexOf(HEAD_END, at);
    const head = headEnd < 0 ? '' : bytes.toString('latin1', at, headEnd + 2);
    const end = headEnd + HEAD_END.length + Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
    const whole = headEnd >= 0 && end <= bytes.length;
    if (methods.length > 0 && !whole) break;
    methods.push(line.method);
    if (!whole || CHUNKED.test(head)) break;
    at = end;
  }
  return methods;
}
