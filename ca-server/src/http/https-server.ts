/**
 * node:https around the express app.
 *
 * TLS >= 1.2 with AEAD, forward-secret suites (`tls-settings.ts`). The server asks for a client
 * certificate on every connection but never fails the handshake over it (`requestCert: true,
 * rejectUnauthorized: false`): only `POST /v1/renew` needs one, and it checks `socket.authorized`
 * (chain to our root/intermediate, validity) itself, then the store (known, unrevoked).
 *
 * Slow clients are bounded at each step (`config.ts` DEFAULT_TIMEOUTS): the TLS handshake (an
 * absolute deadline in `connection-guard.ts`, plus node's idle `handshakeTimeout`), the headers,
 * the whole request, the idle time between requests. Node checks the header and request timers
 * every `connectionsCheckingInterval` (30 s by default, which made a 15 s header timeout ~45 s),
 * so that interval is kept at a second.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import type { HttpTimeouts } from '../config.js';
import { secureContextOptions } from './tls-settings.js';

export interface HttpsOptions {
  readonly key: string;
  readonly cert: string;
  /** PEM of the CA certificates client certificates must chain to. */
  readonly clientCa: string;
  readonly timeouts: HttpTimeouts;
}

export function createHttpsServer(app: RequestListener, o: HttpsOptions): Server {
  const t = o.timeouts;
  const server = createServer(
    {
      ...secureContextOptions(o),
      requestCert: true,
      rejectUnauthorized: false,
      handshakeTimeout: t.handshakeMs,
      headersTimeout: t.headersMs,
      requestTimeout: t.requestMs,
      keepAliveTimeout: t.keepAliveMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(t.headersMs / 4))),
    },
    app,
  );
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
