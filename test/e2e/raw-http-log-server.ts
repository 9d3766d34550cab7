/**
 * The target of the raw transport's end-to-end tests (run inside the target namespace): an HTTP
 * server on the given port that answers every request with a small 200 and prints one JSON line
 * per request (client address and port, method, URL, body length) on stdout.
 * Usage: node --import tsx raw-http-log-server.ts <port>
 */
import http from 'node:http';

const port = Number(process.argv[2] ?? 8080);
const server = http.createServer((req, res) => {
  let body = 0;
  req.on('data', (chunk: Buffer) => {
    body += chunk.length;
  });
  req.on('end', () => {
    const line = {
      address: req.socket.remoteAddress,
      port: req.socket.remotePort,
      method: req.method,
      url: req.url,
      body,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
  });
});
server.keepAliveTimeout = 30_000;
server.listen(port, '0.0.0.0', () => process.stderr.write(`listening on ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
