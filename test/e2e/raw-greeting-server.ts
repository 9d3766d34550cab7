/**
 * The late-greeting target of the raw transport's server-speaks-first test (run inside the target
 * namespace): prints one JSON line per closed connection (client, when it was greeted, when its
 * first byte came, the bytes it sent in base64).
 * Usage: node --import tsx raw-greeting-server.ts <port> <delay ms>
 */
import { startLateGreeter } from '../helpers/late-greeter.ts';

const port = Number(process.argv[2] ?? 110);
await startLateGreeter({
  port,
  host: '0.0.0.0',
  delayMs: Number(process.argv[3] ?? 150),
  onClose: (conn) => {
    const { remote, greetedAtMs, firstByteAtMs } = conn;
    const bytes = Buffer.concat(conn.bytes).toString('base64');
    process.stdout.write(`${JSON.stringify({ remote, greetedAtMs, firstByteAtMs, bytes })}\n`);
  },
});
process.stderr.write(`listening on ${port}\n`);
process.on('SIGTERM', () => process.exit(0));
