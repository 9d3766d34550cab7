/** A loopback HTTP-ish server for framing tests: it answers request heads one after another. */
import net from 'node:net';
import { type ListeningServer, listenForTest } from './listen.ts';

/**
 * Calls `answer` once per request head received (a blank line ends each), in order, each after
 * the previous answer is done: pipelined requests get their responses one by one.
 */
export function headQueueServer(answer: (socket: net.Socket) => Promise<void>): Promise<ListeningServer> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    let pending = '';
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(end + 4);
        queue = queue.then(() => answer(socket));
      }
    });
  });
  return listenForTest(server);
}
