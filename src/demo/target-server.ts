/**
 * A small HTTP/1.1 target for the demo, the tests and the benchmarks: answers every request
 * on loopback with a short JSON body, keeps connections alive, and can add a per-path delay so
 * that a replay has latencies worth looking at. It logs what it received when asked to, so tests
 * can compare it with the captured requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TargetServerOptions {
  host?: string;
  port?: number;
  /** Extra latency per request, by path prefix (ms). */
  delays?: Array<{ prefix: string; ms: number }>;
  /** Keep every request's method, path and remote address. */
  log?: boolean;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  remote: string;
  atMs: number;
}

export interface TargetServer {
  readonly host: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
  requestCount(): number;
  close(): Promise<void>;
}

export async function startTargetServer(options: TargetServerOptions = {}): Promise<TargetServer> {
  const received: ReceivedRequest[] = [];
  let count = 0;
  const t0 = performance.now();
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    count++;
    const path = req.url ?? '/';
    if (options.log) {
      received.push({
        method: req.method ?? '',
        path,
        remote: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
        atMs: performance.now() - t0,
      });
    }
    const delay = options.delays?.find((d) => path.startsWith(d.prefix))?.ms ?? 0;
    const answer = () => {
      const status = path.startsWith('/missing') ? 404 : 200;
      const body = JSON.stringify({ ok: status === 200, path, served: count });
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    req.resume();
    req.on('end', () => (delay > 0 ? setTimeout(answer, delay) : answer()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    host: address.address,
    port: address.port,
    received,
    requestCount: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
