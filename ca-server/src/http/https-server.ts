/**
 * node:https around the express app.
 *
 * TLS >= 1.2 with AEAD, forward-secret suites (`tls-settings.ts`). The server asks for a client certificate on every connection but never fails the
 * handshake over it (`requestCert: true, rejectUnauthorized: false`): only `POST /v1/renew` needs
 * one, and it checks `socket.authorized` (chain to our root/intermediate, validity) itself, then
 * the store (known, unrevoked). Socket timeouts bound slow clients.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { secureContextOptions } from './tls-settings.js';

export interface HttpsOptions {
  readonly key: string;
  readonly cert: string;
  /** PEM of the CA certificates client certificates must chain to. */
  readonly clientCa: string;
}

export function createHttpsServer(app: RequestListener, o: HttpsOptions): Server {
  const server = createServer(
    {
      ...secureContextOptions(o),
      requestCert: true,
      rejectUnauthorized: false,
    },
    app,
  );
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return server;
}

export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}
