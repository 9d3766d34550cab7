/**
 * The replay benchmark's reference: the capture's requests sent over `concurrency` keep-alive
 * connections by the plainest Node client, one session per connection, each request after the
 * previous response. Run in its own process, like reprise, so that both start equally cold.
 * Usage: node --import tsx bench/plain-client.ts <capture> <port> <concurrency>; prints JSON.
 */
import net from 'node:net';
import { readSessions } from '../src/flow/pipeline.ts';
import type { CapturedSession } from '../src/flow/session.ts';
import { HttpResponseFraming } from '../src/http/response-framing.ts';

const [capture, portText, concurrencyText] = process.argv.slice(2);
const port = Number(portText);
const sessions: CapturedSession[] = [];
await readSessions(capture, { sessionClosed: (s) => sessions.push(s) }, { keepPayload: true });

let next = 0;
let answered = 0;
const worker = async () => {
  while (next < sessions.length) {
    const session = sessions[next++];
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise((resolve) => socket.once('connect', resolve));
    for (const request of session.requests) {
      const framing = new HttpResponseFraming('GET');
      await new Promise<void>((resolve) => {
        const onData = (chunk: Buffer) => {
          if (framing.push(chunk) !== 'incomplete') {
            socket.off('data', onData);
            resolve();
          }
        };
        socket.on('data', onData);
        socket.write(request.data);
      });
      answered++;
    }
    socket.end();
  }
};
const t0 = performance.now();
await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
process.stdout.write(`${JSON.stringify({ answered, seconds: (performance.now() - t0) / 1000 })}\n`);
