import type { HttpRequestLine } from '../http/request-line.ts';

/** The endpoint an HTTP request counts under in the report: method and path without the query. */
export function endpointOf(request: HttpRequestLine): HttpRequestLine {
  const query = request.path.indexOf('?');
  return { method: request.method, path: query < 0 ? request.path : request.path.slice(0, query) };
}
