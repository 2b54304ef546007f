import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import type { Express } from 'express';

/** A listening HTTP server of Settle's (the API or a simulator), closable with one call. */
export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on the port (0 picks a free one; LISTEN_HOST=0.0.0.0 in containers) and resolves once it accepts connections. */
export function listen(
  app: Express,
  port: number,
  host = process.env.LISTEN_HOST ?? '127.0.0.1',
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        url: `http://${host}:${actual}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive connections would hold close() open until they time out.
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
