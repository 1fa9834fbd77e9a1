/**
 * HTTPS client of the CA server (the HTTP contract of docs/ca-api.md).
 *
 * Why a class of its own: every CA command needs the same things done the same way — trust only
 * the pinned root (see `trust.ts`), bound every response in size and time, send secrets only on a
 * verified connection, and turn the server's `{code, message}` errors into `RapkiError`s with that
 * code so the CLI prints `rapki: <code>: <message>`.
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { MAX_JSON_RESPONSE_BYTES, REQUEST_TIMEOUT_MS } from './constants.js';
import { CA_URL_HINT, caClientError, caUnreachable } from './errors.js';
import type { RapkiError } from '../../../common/src/errors.js';
import { errorFromWire } from '../../../common/src/errors/registry.js';
import { displayText } from '../../../common/src/display-text.js';
import { resolveTrust, serverNameFor, type CaTrustInput, type ResolvedTrust } from './trust.js';

/** A TLS client certificate (for `POST /v1/renew`). */
export interface ClientIdentity {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface CaClientOptions {
  readonly url: URL;
  readonly trust: CaTrustInput;
  /** Admin bearer token, sent only to `/v1/admin/*`. */
  readonly adminToken?: string | undefined;
  readonly clientIdentity?: ClientIdentity | undefined;
  readonly timeoutMs?: number;
}

export interface CaResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RequestOptions {
  readonly json?: unknown;
  readonly admin?: boolean;
  readonly maxBytes?: number;
  readonly accept?: string;
}

/** Largest error message from the server shown to the user. */
const MAX_ERROR_MESSAGE_CHARS = 500;

export class CaClient {
  readonly url: URL;
  readonly #options: CaClientOptions;
  #trust: ResolvedTrust | undefined;
  #agent: Agent | undefined;

  constructor(options: CaClientOptions) {
    this.url = options.url;
    this.#options = options;
  }

  /** Resolve (once) the trust anchors; fails with `ca_fingerprint_mismatch` before any secret is sent. */
  async trust(): Promise<ResolvedTrust> {
    this.#trust ??= await resolveTrust(this.url, this.#options.trust);
    return this.#trust;
  }

  /** Close kept-alive connections so the process can exit. */
  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
  }

  async #getAgent(): Promise<Agent> {
    if (this.#agent) return this.#agent;
    const trust = await this.trust();
    const id = this.#options.clientIdentity;
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: 4,
      ca: [...trust.caPems],
      rejectUnauthorized: true,
      ...(id ? { cert: id.certificatePem, key: id.privateKeyPem } : {}),
    });
    return this.#agent;
  }

  /** One request; resolves only on 2xx, otherwise throws the server's coded error. */
  async request(method: 'GET' | 'POST', path: string, opts: RequestOptions = {}): Promise<CaResponse> {
    const agent = await this.#getAgent();
    const target = new URL(path, this.url);
    const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
    let body: Buffer | undefined;
    if (opts.json !== undefined) {
      body = Buffer.from(JSON.stringify(opts.json), 'utf8');
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    if (opts.admin) {
      const token = this.#options.adminToken;
      if (!token) throw caClientError('admin_token_missing');
      headers['authorization'] = `Bearer ${token}`;
    }
    const maxBytes = opts.maxBytes ?? MAX_JSON_RESPONSE_BYTES;
    const timeout = this.#options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const res = await new Promise<CaResponse>((resolve, reject) => {
      const req = httpsRequest(target, { method, agent, headers, servername: serverNameFor(this.url), timeout }, (r) => {
        const declared = Number(r.headers['content-length'] ?? '0');
        if (declared > maxBytes) {
          r.destroy();
          reject(caClientError('ca_response_too_large', `the CA response is larger than ${maxBytes} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        r.on('data', (d: Buffer) => {
          size += d.length;
          if (size > maxBytes) {
            r.destroy();
            reject(caClientError('ca_response_too_large', `the CA response is larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(d);
        });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }));
        r.on('error', (err) => reject(transportError(this.url, err)));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(transportError(this.url, err)));
      req.end(body);
    });
    if (res.status < 200 || res.status >= 300) throw serverError(res);
    return res;
  }

  /** JSON request and response. */
  async json<T>(method: 'GET' | 'POST', path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, opts);
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch (cause) {
      throw caClientError('ca_response_invalid', `the CA answered ${method} ${path} with something that is not JSON`, { cause });
    }
  }
}

/** Make a server-provided string safe to print on a terminal (controls, bidi, invisible characters escaped). */
export function safeText(s: string, max = MAX_ERROR_MESSAGE_CHARS): string {
  const clean = displayText(s.length > max ? s.slice(0, max) : s);
  return s.length > max ? `${clean}…` : clean;
}

function serverError(res: CaResponse): RapkiError {
  let code = 'ca_http_error';
  let message = `the CA server answered HTTP ${res.status}`;
  try {
    const parsed = JSON.parse(res.body.toString('utf8')) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === 'string' && /^[a-z0-9_]{1,64}$/.test(parsed.code)) code = parsed.code;
    if (typeof parsed.message === 'string' && parsed.message.length > 0) message = safeText(parsed.message);
  } catch {
    /* not JSON: keep the generic message */
  }
  // An older server's spelling becomes today's; a newer server's unknown code is shown as it came.
  return errorFromWire(code, message, { details: { status: res.status } });
}

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

function transportError(url: URL, err: Error & { code?: string }): RapkiError {
  if (err.code === 'ETIMEDOUT')
    return caClientError('ca_timeout', `the CA at ${url.origin} did not answer in time (${CA_URL_HINT})`, { cause: err, details: { url: url.origin } });
  if (err.code && (TLS_ERROR_CODES.has(err.code) || err.code.startsWith('ERR_SSL') || err.code.startsWith('ERR_TLS'))) {
    return caClientError('ca_tls_failed', `TLS verification of the CA at ${url.origin} failed (${err.code})`, { cause: err });
  }
  return caUnreachable(url, err);
}
