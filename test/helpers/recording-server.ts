/**
 * A TCP server on loopback for replay tests: keeps every byte each connection sent, in order,
 * and answers like a minimal HTTP/1.1 server (one 200 response per complete request it parses)
 * or, in `silent` mode, never answers; in `line` mode (for protocols it does not parse) it answers
 * every chunk it receives with one line. Fault modes make it misbehave on purpose: `reset` resets
 * and `close-unanswered` closes a connection at its first bytes, `close-after-first` closes it
 * after answering its first request (with `Connection: close`; `fin-after-first` without saying
 * so), `idle-close` after 150 ms without a request (keep-alive timeout).
 */
import net from 'node:net';
import { listenForTest } from './listen.ts';

export type FaultMode =
  | 'http'
  | 'line'
  | 'silent'
  | 'reset'
  | 'close-unanswered'
  | 'close-after-first'
  | 'fin-after-first'
  | 'idle-close';

const IDLE_CLOSE_MS = 150;

export interface RecordedConnection {
  remote: string;
  bytes: Buffer[];
}

export interface RecordingServer {
  port: number;
  connections: RecordedConnection[];
  close(): Promise<void>;
}

export async function startRecordingServer(mode: FaultMode = 'http'): Promise<RecordingServer> {
  const connections: RecordedConnection[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    const conn: RecordedConnection = { remote: `${socket.remoteAddress}:${socket.remotePort}`, bytes: [] };
    connections.push(conn);
    let pending = Buffer.alloc(0);
    let answered = 0;
    if (mode === 'idle-close') socket.setTimeout(IDLE_CLOSE_MS, () => socket.end());
    socket.on('data', (chunk: Buffer) => {
      conn.bytes.push(chunk);
      if (mode === 'silent') return;
      if (mode === 'line') {
        socket.write('+OK\r\n');
        return;
      }
      if (mode === 'reset') {
        socket.resetAndDestroy();
        return;
      }
      if (mode === 'close-unanswered') {
        socket.end();
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        // Requests end their head with an empty line; bare LFs are accepted, as servers do.
        const crlf = pending.indexOf('\r\n\r\n');
        const lf = pending.indexOf('\n\n');
        const [end, gap] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : [lf, 2];
        if (end < 0) break;
        const head = pending.subarray(0, end).toString('latin1');
        const length = Number(/\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + gap + length) break;
        pending = pending.subarray(end + gap + length);
        const close = mode === 'close-after-first' ? 'Connection: close\r\n' : '';
        socket.write(`HTTP/1.1 200 OK\r\n${close}Content-Length: 2\r\n\r\nok`);
        answered++;
        if ((mode === 'close-after-first' || mode === 'fin-after-first') && answered === 1) {
          socket.end();
          return;
        }
      }
    });
  });
  return { ...(await listenForTest(server)), connections };
}

/** A loopback port with nothing listening (bound, then released). */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
