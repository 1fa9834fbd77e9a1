/**
 * Opening the connection of one CreateSession attempt: TCP (directly, or through a proxy — an
 * HTTP CONNECT tunnel for https endpoints, RFC 9110 §9.3.6), then TLS with the endpoint's
 * certificate verified, all before a single byte of the signed request is written. The socket is
 * then handed to node:http (http-client.ts).
 *
 * Why our own tunnel instead of an agent package: the certificate must be verified before the
 * request goes out (a signed CreateSession request can be replayed for five minutes), and the trust
 * decision is made here (tls-trust.ts), for direct and proxied connections alike.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { describeProxy, type ProxyChoice } from './proxy.js';

/** Raised for transport failures; `kind` drives the retry decision. */
export class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'tls' | 'network' | 'too_large' | 'proxy',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** OpenSSL/Node codes that mean "the server certificate did not verify" (not worth a retry). */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** A Node socket error as a TransportError. */
export function classifySocketError(err: NodeJS.ErrnoException, where = ''): TransportError {
  const code = err.code ?? '';
  if (TLS_VERIFY_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return new TransportError('tls', `TLS failure${where} (${code}): ${err.message}`, { cause: err });
  }
  return new TransportError('network', `${code || 'network error'}${where}: ${err.message}`, { cause: err });
}

/** Where a connection goes. */
export interface ConnectTarget {
  readonly protocol: 'https:' | 'http:';
  /** Host name or IP (no brackets). */
  readonly hostname: string;
  readonly port: number;
}

/** Largest CONNECT response head we read. */
const MAX_CONNECT_HEAD = 16 * 1024;

function hostPort(hostname: string, port: number): string {
  return `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}

/** `Proxy-Authorization` for a proxy URL with user info (RFC 7617 Basic), or undefined. */
export function proxyAuthorization(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
}

/** Resolves once `socket` emits `event`; rejects on its error or close. */
function once<T extends Socket>(socket: T, event: 'connect' | 'secureConnect', map: (e: NodeJS.ErrnoException) => TransportError): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      cleanup();
      reject(map(e));
    };
    const onClose = (): void => {
      cleanup();
      reject(map(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' })));
    };
    const onDone = (): void => {
      cleanup();
      resolve(socket);
    };
    const cleanup = (): void => {
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off(event, onDone);
    };
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once(event, onDone);
  });
}

/** Receives every socket an attempt opens, so that a timeout can destroy them. */
export type SocketTracker = (socket: Socket) => void;

/** A TCP connection to the proxy (TLS to it for an https:// proxy). */
export async function connectToProxy(proxy: ProxyChoice, track: SocketTracker): Promise<Socket> {
  const url = proxy.url;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const where = ` at the proxy ${describeProxy(proxy)}`;
  if (url.protocol === 'https:') {
    const tls = process.getBuiltinModule('node:tls');
    const s = tls.connect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] });
    track(s);
    return once(s, 'secureConnect', (e) => classifySocketError(e, where));
  }
  const net = process.getBuiltinModule('node:net');
  const s = net.connect({ host, port });
  track(s);
  return once(s, 'connect', (e) => classifySocketError(e, where));
}

/**
 * Opens an HTTP CONNECT tunnel to `target` through `proxy` and resolves to the tunnel socket
 * (bytes written to it reach the target). A non-200 answer is a `proxy` TransportError.
 */
export async function openTunnel(proxy: ProxyChoice, target: ConnectTarget, track: SocketTracker): Promise<Socket> {
  const socket = await connectToProxy(proxy, track);
  const authority = hostPort(target.hostname, target.port);
  const auth = proxyAuthorization(proxy.url);
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`);
  return new Promise<Socket>((resolve, reject) => {
    let head = Buffer.alloc(0);
    const fail = (e: TransportError): void => {
      cleanup();
      socket.destroy();
      reject(e);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_CONNECT_HEAD) fail(new TransportError('proxy', `the proxy ${describeProxy(proxy)} sent an oversized CONNECT answer`));
        return;
      }
      cleanup();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'));
      if (!status || status[1] !== '200') {
        socket.destroy();
        const line = head
          .subarray(0, Math.min(end, head.indexOf('\r\n') < 0 ? end : head.indexOf('\r\n')))
          .toString('latin1')
          .slice(0, 100);
        reject(new TransportError('proxy', `the proxy ${describeProxy(proxy)} refused CONNECT ${authority}: ${line || 'no status line'}`));
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const onError = (e: NodeJS.ErrnoException): void => fail(classifySocketError(e, ` at the proxy ${describeProxy(proxy)}`));
    const onClose = (): void => fail(new TransportError('proxy', `the proxy ${describeProxy(proxy)} closed the connection during CONNECT ${authority}`));
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

/** A plain TCP connection to the target, direct or through a CONNECT tunnel. */
export async function openTcp(target: ConnectTarget, proxy: ProxyChoice | undefined, track: SocketTracker): Promise<Socket> {
  if (proxy) return openTunnel(proxy, target, track);
  const net = process.getBuiltinModule('node:net');
  const s = net.connect({ host: target.hostname, port: target.port });
  track(s);
  return once(s, 'connect', (e) => classifySocketError(e));
}

/** TLS options of one handshake (trust is decided by the caller, tls-trust.ts). */
export interface TlsHandshakeOptions {
  /** `ca` for node:tls: undefined = Node's root store; [] = none (verification done by the caller or skipped). */
  readonly ca: string | readonly string[] | undefined;
  /** false: the handshake does not fail on an unverified certificate. */
  readonly rejectUnauthorized: boolean;
}

/** Starts TLS on the connected `raw` socket and resolves after the handshake (certificate verified unless told otherwise). */
export async function handshake(raw: Socket, target: ConnectTarget, o: TlsHandshakeOptions, track: SocketTracker): Promise<TLSSocket> {
  const tls = process.getBuiltinModule('node:tls');
  const s = tls.connect({
    socket: raw,
    host: target.hostname,
    port: target.port,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: o.rejectUnauthorized,
    ...(o.ca !== undefined ? { ca: o.ca as string | string[] } : {}),
    servername: /^[\d.]+$|:/.test(target.hostname) ? undefined : target.hostname,
  });
  track(s);
  try {
    return await once(s, 'secureConnect', (e) => classifySocketError(e));
  } catch (err) {
    s.destroy();
    raw.destroy();
    throw err;
  }
}
