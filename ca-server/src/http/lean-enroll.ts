/**
 * `POST /v1/enroll` without express, for the enrollment hot loop (bench goal: >= 1,000 certificates/s
 * on 2 cores). Express's router, body-parser (type-is, raw-body, iconv) and response helpers cost
 * ~0.15-0.2 ms of main-thread CPU per request, as much as the SQLite work of an issuance.
 *
 * It takes only the plain case: exactly `POST /v1/enroll`, `Content-Type: application/json`
 * (optionally `; charset=utf-8`), a `Content-Length` within the body limit and no transfer or
 * content encoding. Everything else (chunked bodies, other charsets or types, oversize bodies,
 * query strings) goes to the express app, which answers it as before. What it takes it answers as
 * the express route does: same request id and security headers, request metric and access log
 * (`beginRequest`), the same per-IP rate limiter instance, the same body validation
 * (`ENROLL_BODY`), and errors through the same `{code, message}` mapping (`error-mapper.ts`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CertificateAuthority } from '../authority/authority.js';
import { caError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ENROLL_BODY, issuedJson } from './enroll-routes.js';
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { sendErrorRaw } from './error-handler.js';
import { toHttpError } from './error-mapper.js';
import type { CaMetrics } from './metrics.js';
import type { TokenBucketLimiter } from './rate-limit.js';
import { beginRequest } from './request-context.js';
import { validateBody } from './validate.js';

export const LEAN_ENROLL_PATH = CA_PATHS.enroll;
const JSON_TYPE = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;

export interface LeanEnrollDeps {
  readonly authority: CertificateAuthority;
  readonly log: Logger;
  readonly metrics: CaMetrics;
  /** The enroll limiter the express routes use (one bucket per client IP for both paths). */
  readonly limiter: TokenBucketLimiter;
  readonly bodyLimitBytes: number;
}

/** Whether the lean route takes this request (else the express app answers it). */
export function isLeanEnroll(req: IncomingMessage, bodyLimitBytes: number): boolean {
  if (req.method !== 'POST' || req.url !== LEAN_ENROLL_PATH) return false;
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined || h['content-encoding'] !== undefined) return false;
  const type = h['content-type'];
  const len = h['content-length'];
  if (type === undefined || !JSON_TYPE.test(type) || len === undefined || !/^\d{1,9}$/.test(len)) return false;
  const n = Number(len);
  return n > 0 && n <= bodyLimitBytes;
}

/** Returns a handler that answers the request and returns true, or returns false without touching it. */
export function leanEnroll(d: LeanEnrollDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (!isLeanEnroll(req, d.bodyLimitBytes)) return false;
    const ctx = beginRequest(req, res, d.log, d.metrics, () => LEAN_ENROLL_PATH);
    const fail = (err: unknown): void => {
      sendErrorRaw(res, toHttpError(err, ctx.log), d.metrics);
    };
    const wait = d.limiter.take(req.socket.remoteAddress ?? 'unknown');
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      fail(caError('rate_limited'));
      return true;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        fail(caError('invalid_json'));
        return;
      }
      void answer(body).catch(fail);
    });
    const answer = async (body: unknown): Promise<void> => {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw caError('invalid_json');
      const b = validateBody(body as Record<string, unknown>, ENROLL_BODY);
      const issued = await d.authority.enroll(b.token as string, b.csr as string);
      const json = JSON.stringify(issuedJson(issued));
      res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
      res.end(json);
    };
    return true;
  };
}
