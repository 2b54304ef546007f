import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import {
  connect,
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';

/** A throw-away certificate authority with a server certificate for 127.0.0.1 and a client certificate. */
export interface TestCertificates {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** Made with `openssl`, as an operator would make them, in a new temporary folder. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'settle-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=Settle test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  );
  const leaf = (name: string, extensions: string) => {
    writeFileSync(file(`${name}.ext`), extensions);
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      file(`${name}.ext`),
      '-out',
      file(`${name}.pem`),
    );
  };
  leaf('server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
  };
}

export interface Front {
  /** host:port where it listens. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * A TLS endpoint in front of a plaintext Temporal frontend (the dev server has no TLS of its own): it
 * terminates TLS (with `mutual`, it requires a client certificate signed by the test authority) and passes
 * the gRPC bytes through unchanged.
 */
export function startTlsFront(
  certificates: TestCertificates,
  target: string,
  { mutual }: { mutual: boolean },
): Promise<Front> {
  const forwarder = forwarding(target, 0);
  const server = createTlsServer(
    {
      cert: readFileSync(certificates.serverCert),
      key: readFileSync(certificates.serverKey),
      ca: readFileSync(certificates.caCert),
      requestCert: mutual,
      rejectUnauthorized: mutual,
      ALPNProtocols: ['h2'],
    },
    forwarder.accept,
  );
  server.on('tlsClientError', () => {});
  return listening(server, forwarder);
}

/** A plain TCP pass-through that holds every chunk from the client for `delayMs`: a slow Temporal. */
export function startSlowFront(target: string, delayMs: number): Promise<Front> {
  const forwarder = forwarding(target, delayMs);
  return listening(createNetServer(forwarder.accept), forwarder);
}

interface Forwarder {
  accept(socket: Socket): void;
  destroyAll(): void;
}

function forwarding(target: string, delayMs: number): Forwarder {
  const colon = target.lastIndexOf(':');
  const [host, port] = [target.slice(0, colon), Number(target.slice(colon + 1))];
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => {});
  };
  return {
    accept(socket) {
      const upstream = connect(port, host);
      track(socket);
      track(upstream);
      socket.once('close', () => upstream.destroy());
      upstream.once('close', () => socket.destroy());
      upstream.pipe(socket);
      if (delayMs === 0) socket.pipe(upstream);
      // Equal delays keep the chunks in order.
      else socket.on('data', (chunk: Buffer) => setTimeout(() => upstream.write(chunk), delayMs));
    },
    destroyAll() {
      for (const socket of open) socket.destroy();
    },
  };
}

function listening(server: NetServer, forwarder: Forwarder): Promise<Front> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            forwarder.destroyAll();
          }),
      }),
    ),
  );
}
