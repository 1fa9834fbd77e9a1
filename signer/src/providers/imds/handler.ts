/**
 * Request handler of the local credential endpoint: the IMDSv2 routes (as the official helper's
 * aws_signing_helper/serve.go serves them) and, when enabled, the container-credentials route.
 *
 * Rules, in order: a `Host` that does not name the endpoint → 403 (DNS rebinding, host-check.ts);
 * any `X-Forwarded-For` → 400 (EC2 refuses relayed requests); unknown path → 404; known path with
 * the wrong method → 405; token PUT validates the TTL (1..21600, default 21600) and is refused with
 * 429 while 256 tokens are live; metadata GETs need a live token (401 `no token provided` /
 * `invalid token provided`).
 *
 * As the official helper (its Go ServeMux): `GET …/security-credentials/<other name>` answers the
 * role listing, not 404, and the listing carries the token's remaining seconds in
 * `x-aws-ec2-metadata-token-ttl-seconds`.
 * No request body is read: every route is body-less.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRapkiError } from '../../../../common/src/errors.js';
import type { RolesAnywhereCredentials } from '../../types.js';
import type { CredentialSource } from '../refreshing-source.js';
import { containerCredentialDocument, containerErrorDocument } from '../container/document.js';
import {
  CREDENTIALS_PATH,
  DEFAULT_TOKEN_TTL_SECONDS,
  HEADER_FORWARDED_FOR,
  HEADER_TOKEN,
  HEADER_TOKEN_TTL,
  MAX_TOKEN_TTL_SECONDS,
  MIN_TOKEN_TTL_SECONDS,
  MSG_FORBIDDEN_HOST,
  MSG_FORWARDED_FOR,
  MSG_INVALID_TOKEN,
  MSG_INVALID_TTL,
  MSG_METHOD_NOT_ALLOWED,
  MSG_NOT_FOUND,
  MSG_NO_TOKEN,
  MSG_TOO_MANY_TOKENS,
  TOKEN_PATH,
} from './constants.js';
import { imdsCredentialDocument } from './document.js';
import type { TokenStore } from './token-store.js';

export interface HandlerOptions {
  readonly source: CredentialSource;
  /** When the credentials now held were obtained (`LastUpdated`). */
  readonly lastUpdated: () => Date | undefined;
  /** Role name listed at the security-credentials path (last `/` segment of the role ARN). */
  readonly roleName: string;
  readonly tokens: TokenStore;
  /** True when a Host header names this endpoint (host-check.ts). */
  readonly hostAllowed: (host: string | undefined) => boolean;
  /** Serve the IMDSv2 routes (default true). */
  readonly imds: boolean;
  /** Container route: path and authorization check, or undefined when disabled. */
  readonly container?: { readonly path: string; readonly authorize: (header: string | undefined) => boolean } | undefined;
  /** One line per notable event (never tokens or credentials). */
  readonly log?: ((line: string) => void) | undefined;
}

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(`${body}\n`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Strips one trailing slash (`/x/` ≡ `/x`), keeping `/` itself. */
function normalize(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Parses the TTL header: undefined (absent) → default, otherwise a decimal integer in range. */
export function parseTokenTtl(raw: string | undefined): number | undefined {
  if (raw === undefined) return DEFAULT_TOKEN_TTL_SECONDS;
  const t = raw.trim();
  if (!/^\d{1,6}$/.test(t)) return undefined;
  const n = Number(t);
  return n >= MIN_TOKEN_TTL_SECONDS && n <= MAX_TOKEN_TTL_SECONDS ? n : undefined;
}

function describe(err: unknown): string {
  if (isRapkiError(err)) return `${err.code}: ${err.message}`;
  return 'unexpected error while obtaining credentials';
}

export function createHandler(o: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const rolePath = `${CREDENTIALS_PATH}/${o.roleName}`;

  // Failures are not logged here: the credential source reports each failed attempt once
  // (per backoff step), whereas SDKs may ask many times in between.
  async function credentials(): Promise<{ ok: true; creds: RolesAnywhereCredentials } | { ok: false; message: string }> {
    try {
      return { ok: true, creds: await o.source.get() };
    } catch (err) {
      return { ok: false, message: `credentials unavailable: ${describe(err)}` };
    }
  }

  let refusedHosts = 0;
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let path: string;
    try {
      path = normalize(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return text(res, 400, 'bad request');
    }
    const isContainer = o.container !== undefined && path === normalize(o.container.path);
    if (!o.hostAllowed(header(req, 'host'))) {
      // Once, then every 100th: a page hammering us must not flood the log.
      if (refusedHosts++ % 100 === 0) o.log?.(`refused a request whose Host header does not name this endpoint (DNS rebinding?); ${refusedHosts} so far`);
      if (isContainer) return json(res, 403, containerErrorDocument('Forbidden', MSG_FORBIDDEN_HOST));
      return text(res, 403, MSG_FORBIDDEN_HOST);
    }
    if (header(req, HEADER_FORWARDED_FOR) !== undefined) return text(res, 400, MSG_FORWARDED_FOR);
    const method = req.method ?? 'GET';

    if (o.container && isContainer) {
      if (method !== 'GET') return text(res, 405, MSG_METHOD_NOT_ALLOWED, { Allow: 'GET' });
      if (!o.container.authorize(header(req, 'authorization'))) {
        return json(res, 401, containerErrorDocument('Unauthorized', 'missing or wrong Authorization token'));
      }
      const r = await credentials();
      if (!r.ok) return json(res, 500, containerErrorDocument('CredentialsUnavailable', r.message));
      return json(res, 200, containerCredentialDocument(r.creds));
    }

    if (!o.imds) return text(res, 404, MSG_NOT_FOUND);

    if (path === TOKEN_PATH) {
      if (method !== 'PUT') return text(res, 405, MSG_METHOD_NOT_ALLOWED, { Allow: 'PUT' });
      const ttl = parseTokenTtl(header(req, HEADER_TOKEN_TTL));
      if (ttl === undefined) return text(res, 400, MSG_INVALID_TTL);
      const issued = o.tokens.issue(ttl);
      if (!issued.ok) return text(res, 429, MSG_TOO_MANY_TOKENS, { 'Retry-After': String(issued.retryAfterSeconds) });
      const token = issued.token;
      res.writeHead(200, {
        'Content-Type': 'text/plain',
        'Cache-Control': 'no-store',
        [HEADER_TOKEN_TTL]: String(ttl),
      });
      res.end(token);
      return;
    }

    const isRole = path === rolePath;
    // Anything else under the path lists the role, as the helper's ServeMux subtree pattern does.
    const isList = !isRole && (path === CREDENTIALS_PATH || path.startsWith(`${CREDENTIALS_PATH}/`));
    if (!isList && !isRole) return text(res, 404, MSG_NOT_FOUND);
    if (method !== 'GET' && method !== 'HEAD') return text(res, 405, MSG_METHOD_NOT_ALLOWED, { Allow: 'GET' });

    const token = header(req, HEADER_TOKEN);
    if (token === undefined || token === '') return text(res, 401, MSG_NO_TOKEN);
    const remaining = o.tokens.remainingSeconds(token);
    if (remaining === undefined) return text(res, 401, MSG_INVALID_TOKEN);

    if (isList) {
      // EC2 lists role names one per line without a trailing newline; so do we.
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store', [HEADER_TOKEN_TTL]: String(remaining) });
      res.end(o.roleName);
      return;
    }

    const r = await credentials();
    if (!r.ok) return text(res, 500, r.message);
    json(res, 200, imdsCredentialDocument(r.creds, o.lastUpdated() ?? new Date()));
  }

  return (req, res) => {
    // Drain (and ignore) any body so the connection can be reused.
    req.resume();
    handle(req, res).catch(() => {
      if (!res.headersSent) text(res, 500, 'internal error');
      else res.destroy();
    });
  };
}
