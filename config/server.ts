import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import type { Express } from 'express';

/** A listening HTTP server of Settle's (the API or a simulator), closable with one call. */
export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /**
   * Stops accepting connections and resolves once the server has closed. With `drainMs`, requests in flight
   * are answered first (each connection is closed once idle), for up to that long; without, every
   * connection is closed at once.
   */
  close(drainMs?: number): Promise<void>;
}

/** How often a draining server closes the connections that have gone idle. */
const DRAIN_POLL_MS = 50;

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
        close: (drainMs = 0) =>
          new Promise<void>((done) => {
            server.close(() => {
              clearInterval(idle);
              clearTimeout(deadline);
              done();
            });
            // Keep-alive connections would hold close() open until they time out: close each once it is idle,
            // the rest at the deadline.
            server.closeIdleConnections();
            const idle = setInterval(() => server.closeIdleConnections(), DRAIN_POLL_MS);
            const deadline = setTimeout(() => server.closeAllConnections(), drainMs);
          }),
      });
    });
  });
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  // The system may hand out a port it just handed out (closed at once, it is free again): a process asking for
  // several ports before it binds them would get the same one twice. One it handed out is not given again.
  for (;;) {
    const port = await probePort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

const handedOut = new Set<number>();

function probePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
