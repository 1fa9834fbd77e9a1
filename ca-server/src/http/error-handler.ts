/**
 * The one place where errors become HTTP responses: `{code, message}` with the status from the
 * table in `ca-server/src/errors.ts`. Unknown errors become `internal_error` and their detail goes
 * to the log only (step-ca `errs.Error`: public message apart from the internal cause).
 */
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { isRapkiError } from '../../../common/src/errors.js';
import { CA_ERRORS, httpStatusOf, type CaErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CaMetrics } from './metrics.js';

/**
 * node:zlib's error codes as a Content-Encoding that does not decode raises them: `Z_DATA_ERROR`
 * and friends (gzip, deflate), `ERR__ERROR_FORMAT_…` (the brotli decoder's names, prefix cut).
 */
const ZLIB_ERROR = /^(Z_[A-Z_]+|ERR_ZLIB_[A-Z_]+|ERR_BROTLI_[A-Z_]+|ERR__[A-Z0-9_]+)$/;

/**
 * Maps body-parser's own errors (express.json) to our codes and messages. A body whose
 * Content-Encoding does not decode arrives as zlib's own error (no `type`) carrying the 400
 * status body-parser gave it: `invalid_request`, not a 500.
 */
function fromBodyParser(err: { type?: unknown; status?: unknown; code?: unknown }): { code: CaErrorCode; message?: string } | undefined {
  const clientStatus = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : undefined;
  switch (err.type) {
    case 'entity.too.large':
      return { code: 'body_too_large' };
    case 'entity.parse.failed':
      return { code: 'invalid_json' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { code: 'unsupported_media_type' };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return { code: 'invalid_request' };
    case undefined:
      if (clientStatus !== undefined && typeof err.code === 'string' && ZLIB_ERROR.test(err.code)) {
        return { code: 'invalid_request', message: 'The request body does not decode with its Content-Encoding.' };
      }
      return undefined;
    default:
      // A body-parser error type added later: its client status still makes it a 4xx.
      if (clientStatus === undefined) return undefined;
      return { code: clientStatus === 413 ? 'body_too_large' : clientStatus === 415 ? 'unsupported_media_type' : 'invalid_request' };
  }
}

export function sendError(res: Response, code: string, message: string, metrics: CaMetrics | undefined): void {
  metrics?.errors.inc({ code });
  if (res.headersSent) return;
  res.status(httpStatusOf(code)).type('application/json').send(JSON.stringify({ code, message }));
}

/** Same as {@link sendError} on a plain node response (the lean enroll route, `lean-enroll.ts`). */
export function sendErrorRaw(res: ServerResponse, code: string, message: string, metrics: CaMetrics | undefined): void {
  metrics?.errors.inc({ code });
  if (res.headersSent) return;
  const body = JSON.stringify({ code, message });
  res.writeHead(httpStatusOf(code), { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The public `{code, message}` of any error, logged on the request's logger: coded errors as
 * they are, body-parser's and the router's errors mapped, anything else `internal_error` (its
 * detail only in the log).
 */
export function publicError(err: unknown, reqLog: Logger): { code: string; message: string } {
  if (isRapkiError(err) && Object.hasOwn(CA_ERRORS, err.code) && CA_ERRORS[err.code as CaErrorCode].status > 0) {
    const status = httpStatusOf(err.code);
    if (status >= 500) reqLog.error({ err, code: err.code }, 'request failed');
    else reqLog.info({ code: err.code }, 'request refused');
    return { code: err.code, message: err.message };
  }
  // A path parameter that is not valid percent-encoding (`/hosts/%zz/…`): the router's URIError.
  const bp: { code: CaErrorCode; message?: string } | undefined =
    err instanceof URIError ? { code: 'invalid_request' } : typeof err === 'object' && err !== null ? fromBodyParser(err as { type?: unknown }) : undefined;
  if (bp) {
    reqLog.info({ code: bp.code }, 'request refused');
    return { code: bp.code, message: bp.message ?? CA_ERRORS[bp.code].message };
  }
  reqLog.error({ err }, 'unexpected error');
  return { code: 'internal_error', message: CA_ERRORS.internal_error.message };
}

export function errorHandler(log: Logger, metrics: CaMetrics) {
  // Express recognises error middleware by its four parameters.
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    void _next;
    const e = publicError(err, (res.locals.log as Logger | undefined) ?? log);
    sendError(res, e.code, e.message, metrics);
  };
}
