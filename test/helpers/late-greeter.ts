/**
 * A server that speaks first, late: each connection gets "+OK POP3 server ready" after
 * `delayMs`, then "+OK" for every line; with `closeAfterAnswer` it closes the connection after its
 * first answer (so that every command needs a new connection, and a new greeting).
 * It notes when it greeted and when the client's first byte came, for tests that a replay lets
 * the target greet before its first command.
 */
import net from 'node:net';
import { listenForTest } from './listen.ts';

export interface GreetedConnection {
  /** The client's address:port. */
  remote: string;
  greetedAtMs: number | undefined;
  firstByteAtMs: number | undefined;
  bytes: Buffer[];
}

export interface LateGreeter {
  port: number;
  connections: GreetedConnection[];
  close(): Promise<void>;
}

export async function startLateGreeter(options: {
  port?: number;
  host?: string;
  delayMs: number;
  closeAfterAnswer?: boolean;
  onClose?: (conn: GreetedConnection) => void;
}): Promise<LateGreeter> {
  const connections: GreetedConnection[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    const conn: GreetedConnection = {
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      greetedAtMs: undefined,
      firstByteAtMs: undefined,
      bytes: [],
    };
    connections.push(conn);
    const greet = setTimeout(() => {
      conn.greetedAtMs = performance.now();
      socket.write('+OK POP3 server ready\r\n');
    }, options.delayMs);
    socket.on('close', () => {
      clearTimeout(greet);
      options.onClose?.(conn);
    });
    socket.on('data', (chunk: Buffer) => {
      conn.firstByteAtMs ??= performance.now();
      conn.bytes.push(chunk);
      for (const byte of chunk) {
        if (byte !== 0x0a) continue;
        if (options.closeAfterAnswer) {
          socket.end('+OK\r\n');
          return;
        }
        socket.write('+OK\r\n');
      }
    });
  });
  return { ...(await listenForTest(server, options)), connections };
}
