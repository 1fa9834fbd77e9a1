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

/** Maps body-parser's own errors (express.json) to our codes. */
function fromBodyParser(err: { type?: string; status?: number }): CaErrorCode | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return 'body_too_large';
    case 'entity.parse.failed':
      return 'invalid_json';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'unsupported_media_type';
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return 'invalid_request';
    default:
      return undefined;
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
  const bp: CaErrorCode | undefined =
    err instanceof URIError ? 'invalid_request' : typeof err === 'object' && err !== null ? fromBodyParser(err as { type?: string }) : undefined;
  if (bp) {
    reqLog.info({ code: bp }, 'request refused');
    return { code: bp, message: CA_ERRORS[bp].message };
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
