import type net from 'node:net';

export interface ListeningServer {
  port: number;
  /** Ends the connections still open, then stops listening: a test's cleanup never waits on a client. */
  close(): Promise<void>;
}

/** Makes a test server listen (on loopback, any free port, unless told otherwise). */
export async function listenForTest(
  server: net.Server,
  options: { port?: number; host?: string } = {},
): Promise<ListeningServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
