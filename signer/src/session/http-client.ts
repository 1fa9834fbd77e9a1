/**
 * One HTTPS exchange for CreateSession, on `node:https` (no SDK, no fetch: we need per-request TLS
 * roots, `rejectUnauthorized`, TLS >= 1.2 and proxy agents, and a small import cost).
 *
 * Timeouts: `timeoutMs` bounds connecting (TCP + proxy CONNECT + TLS handshake) and, separately,
 * every silence while waiting for or reading the response (socket idle time). A stalled endpoint
 * therefore fails within about `timeoutMs`, and a slow but progressing one is not cut off.
 */
import type * as http from 'node:http';
import type * as https from 'node:https';
import { MAX_RESPONSE_BYTES } from './constants.js';

/**
 * The protocol module, loaded on first use: a plain-http loopback endpoint (emulator) then never
 * loads node:tls/node:https, and an https one never loads more than node:https needs.
 * `process.getBuiltinModule` rather than an import: a static import would load both modules up
 * front, and an ESM namespace import of a built-in also runs all of its lazy getters.
 */
function protocolModule(protocol: 'https:' | 'http:'): typeof http | typeof https {
  return protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
}

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
  /** false = do not verify the server certificate (`--no-verify-ssl`). */
  readonly verifyTls: boolean;
  /**
   * Trusted roots (PEM) replacing Node's bundled roots, as `AWS_CA_BUNDLE` does in botocore and in
   * the Go SDK the official helper uses (its custom bundle starts from an empty pool). Replacing,
   * not appending, also keeps start-up lean: appending would re-parse ~140 bundled roots per run.
   */
  readonly caBundle?: string | undefined;
  /** A proxy agent, or undefined for a direct connection. */
  readonly agent?: http.Agent | undefined;
}

export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** Raised for transport failures; `kind` drives the retry decision. */
export class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'tls' | 'network' | 'too_large',
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

function classify(err: NodeJS.ErrnoException): TransportError {
  const code = err.code ?? '';
  if (TLS_VERIFY_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return new TransportError('tls', `TLS failure (${code}): ${err.message}`, { cause: err });
  }
  return new TransportError('network', `${code || 'network error'}: ${err.message}`, { cause: err });
}

/** Sends one request and reads the whole (bounded) response. */
export function sendOnce(req: WireRequest, opts: TransportOptions): Promise<WireResponse> {
  return new Promise<WireResponse>((resolve, reject) => {
    let settled = false;
    const fail = (e: TransportError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      reject(e);
    };
    const common = {
      hostname: req.hostname,
      port: req.port,
      path: req.path,
      method: 'POST',
      headers: { ...req.headers, 'Content-Length': String(Buffer.byteLength(req.body)) },
      agent: opts.agent ?? false,
    };
    const r =
      req.protocol === 'https:'
        ? (protocolModule('https:') as typeof https).request({
            ...common,
            minVersion: 'TLSv1.2',
            rejectUnauthorized: opts.verifyTls,
            // Without verification no trust store is needed: `ca: []` keeps node from building its
            // bundled root store (~140 PEM roots parsed, about as much CPU as a bare Node start;
            // node 20 builds it even when `ca` replaces it, so AWS_CA_BUNDLE cannot avoid it).
            ...(!opts.verifyTls ? { ca: [] } : opts.caBundle ? { ca: opts.caBundle } : {}),
            servername: /^[\d.]+$|:/.test(req.hostname) ? undefined : req.hostname,
          })
        : (protocolModule('http:') as typeof http).request(common);

    const connectTimer = setTimeout(() => {
      const e = new TransportError('timeout', `no connection to ${req.hostname}:${req.port} within ${opts.timeoutMs} ms`);
      fail(e);
      r.destroy(e);
    }, opts.timeoutMs);
    // The connect budget ends at the TLS handshake (or TCP connect for loopback http); a response
    // arriving also ends it, for sockets a proxy agent hands over already connected.
    r.on('socket', (sock) => {
      sock.once(req.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    r.setTimeout(opts.timeoutMs, () => {
      const e = new TransportError('timeout', `${req.hostname}:${req.port} sent nothing for ${opts.timeoutMs} ms`);
      fail(e);
      r.destroy(e);
    });
    r.on('error', (err: NodeJS.ErrnoException) => fail(err instanceof TransportError ? err : classify(err)));
    r.on('response', (res) => {
      clearTimeout(connectTimer);
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
      res.on('error', (err: NodeJS.ErrnoException) => fail(classify(err)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    r.end(req.body);
  });
}
