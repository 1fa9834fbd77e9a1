/**
 * One HTTP(S) exchange for CreateSession, on node:http over a connection opened by connect.ts
 * (no SDK, no fetch: we need per-request trust, TLS >= 1.2, proxies, and a small import cost).
 *
 * Timeouts: `timeoutMs` bounds connecting (TCP + proxy CONNECT + TLS handshake + certificate
 * verification) and, separately, every silence while waiting for or reading the response (socket
 * idle time). A stalled endpoint therefore fails within about `timeoutMs`, and a slow but
 * progressing one is not cut off.
 */
import type * as http from 'node:http';
import type { Socket } from 'node:net';
import { classifySocketError, connectToProxy, openTcp, proxyAuthorization, TransportError, type ConnectTarget } from './connect.js';
import { MAX_RESPONSE_BYTES } from './constants.js';
import { describeProxy, type ProxyChoice } from './proxy.js';
import { secureConnection, type TlsTrust } from './tls-trust.js';

export { TransportError } from './connect.js';

/** A request ready for the wire. */
export interface WireRequest {
  readonly protocol: 'https:' | 'http:';
  readonly hostname: string;
  readonly port: number;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Transport settings of one exchange. */
export interface TransportOptions {
  readonly timeoutMs: number;
  /** How the endpoint certificate is verified (https only). */
  readonly trust: TlsTrust;
  /** The proxy to go through, or undefined for a direct connection. */
  readonly proxy?: ProxyChoice | undefined;
  /** Diagnostics (`--debug`). */
  readonly debug?: ((line: string) => void) | undefined;
}

export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** The connected socket for `req` (TLS done and verified for https), within `timeoutMs`. */
async function connectWithin(req: WireRequest, opts: TransportOptions): Promise<Socket> {
  const opened: Socket[] = [];
  const track = (s: Socket): void => {
    opened.push(s);
  };
  const target: ConnectTarget = { protocol: req.protocol, hostname: req.hostname, port: req.port };
  const attempt =
    req.protocol === 'https:'
      ? secureConnection(target, opts.proxy, opts.trust, track, opts.debug)
      : // Plain http through a proxy: absolute-form requests to the proxy (RFC 9112 section 3.2.2), as Go sends them.
        opts.proxy
        ? connectToProxy(opts.proxy, track)
        : openTcp(target, undefined, track);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const s of opened) s.destroy();
      const via = opts.proxy ? ` through the proxy ${describeProxy(opts.proxy)}` : '';
      reject(new TransportError('timeout', `no connection to ${req.hostname}:${req.port}${via} within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
    attempt.catch(() => undefined); // lost the race: its rejection is expected
  }
}

/** Sends one request and reads the whole (bounded) response. */
export async function sendOnce(req: WireRequest, opts: TransportOptions): Promise<WireResponse> {
  const socket = await connectWithin(req, opts);
  const viaHttpProxy = req.protocol === 'http:' && opts.proxy !== undefined;
  const headers: Record<string, string> = { ...req.headers, 'Content-Length': String(Buffer.byteLength(req.body)) };
  if (viaHttpProxy) {
    const auth = proxyAuthorization(opts.proxy!.url);
    if (auth) headers['Proxy-Authorization'] = auth;
  }
  const authority = `${req.hostname.includes(':') ? `[${req.hostname}]` : req.hostname}:${req.port}`;
  const httpModule = process.getBuiltinModule('node:http') as typeof http;
  return new Promise<WireResponse>((resolve, reject) => {
    let settled = false;
    const fail = (e: TransportError): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(e);
    };
    const r = httpModule.request({
      method: 'POST',
      host: req.hostname,
      port: req.port,
      path: viaHttpProxy ? `http://${authority}${req.path}` : req.path,
      headers,
      createConnection: () => socket,
    });
    r.setTimeout(opts.timeoutMs, () => {
      const e = new TransportError('timeout', `${req.hostname}:${req.port} sent nothing for ${opts.timeoutMs} ms`);
      fail(e);
      r.destroy(e);
    });
    r.on('error', (err: NodeJS.ErrnoException) => fail(err instanceof TransportError ? err : classifySocketError(err)));
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) {
          const e = new TransportError('too_large', `response larger than ${MAX_RESPONSE_BYTES} bytes`);
          fail(e);
          r.destroy(e);
          return;
        }
        chunks.push(c);
      });
      res.on('error', (err: NodeJS.ErrnoException) => fail(classifySocketError(err)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    r.end(req.body);
  });
}
