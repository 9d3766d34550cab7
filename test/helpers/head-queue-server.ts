/** Loopback HTTP-ish servers for framing tests: they answer request heads one after another. */
import net from 'node:net';
import { type ListeningServer, listenForTest } from './listen.ts';

/** Calls `onHead` with each request head the socket receives (up to its blank line), in order. */
export function onRequestHeads(socket: net.Socket, onHead: (head: string) => void): void {
  socket.on('error', () => {});
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
      const head = pending.slice(0, end);
      pending = pending.slice(end + 4);
      onHead(head);
    }
  });
}

/**
 * Calls `answer` once per request head received (a blank line ends each), in order, each after
 * the previous answer is done: pipelined requests get their responses one by one.
 */
export function headQueueServer(answer: (socket: net.Socket) => Promise<void>): Promise<ListeningServer> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let queue = Promise.resolve();
    onRequestHeads(socket, () => {
      queue = queue.then(() => answer(socket));
    });
  });
  return listenForTest(server);
}
