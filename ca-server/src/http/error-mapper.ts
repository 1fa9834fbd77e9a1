/**
 * The one place where an error becomes an HTTP answer: the status and the public
 * `{code, message[, details]}` body, for every route (the JSON API, the lean enroll path, the
 * rotation and CRL-sync admin routes, and the console, which renders the same status, code and
 * message as an HTML page).
 *
 * A coded error whose code the registry (common/src/errors/registry.ts) gives an HTTP status is
 * answered as it is, with the code in its current spelling; its `details` only when the registry
 * marks them public (rotation). Body-parser's and the router's own errors are mapped to our codes.
 * Anything else is `500 internal_error` and its detail goes to the log only (step-ca `errs.Error`:
 * public message apart from the internal cause).
 */
import { isRapkiError } from '../../../common/src/errors.js';
import { ERRORS, canonicalCode, type RapkiErrorCode } from '../../../common/src/errors/registry.js';
import type { Logger } from '../logger.js';

/** The JSON body of every error answer (docs/ca-api.md "Errors"). */
export interface HttpErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface HttpError {
  readonly status: number;
  readonly body: HttpErrorBody;
}

/**
 * node:zlib's error codes as a Content-Encoding that does not decode raises them: `Z_DATA_ERROR`
 * and friends (gzip, deflate), `ERR__ERROR_FORMAT_…` (the brotli decoder's names, prefix cut).
 */
const ZLIB_ERROR = /^(Z_[A-Z_]+|ERR_ZLIB_[A-Z_]+|ERR_BROTLI_[A-Z_]+|ERR__[A-Z0-9_]+)$/;

/**
 * Maps body-parser's own errors (express.json, express.urlencoded) to our codes and messages. A
 * body whose Content-Encoding does not decode arrives as zlib's own error (no `type`) carrying the
 * 400 status body-parser gave it: `invalid_request`, not a 500.
 */
function fromBodyParser(err: { type?: unknown; status?: unknown; code?: unknown }): { code: RapkiErrorCode; message?: string } | undefined {
  const clientStatus = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : undefined;
  switch (err.type) {
    case 'entity.too.large':
      return { code: 'body_too_large' };
    case 'entity.parse.failed':
      return { code: 'invalid_json' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { code: 'unsupported_media_type' };
    case 'parameters.too.many':
      return { code: 'invalid_request', message: 'The form has too many fields.' };
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

/** Status and public body of any error, logged on the request's logger (4xx at info, 5xx at error). */
export function toHttpError(err: unknown, reqLog: Logger): HttpError {
  if (isRapkiError(err)) {
    const code = canonicalCode(err.code);
    const spec = code === undefined ? undefined : ERRORS[code];
    if (code !== undefined && spec?.http !== undefined) {
      if (spec.http >= 500) reqLog.error({ err, code }, 'request failed');
      else reqLog.info({ code }, 'request refused');
      const details = spec.publicDetails && err.details ? { details: err.details } : {};
      return { status: spec.http, body: { code, message: err.message, ...details } };
    }
  }
  // A path parameter that is not valid percent-encoding (`/hosts/%zz/…`): the router's URIError.
  const bp =
    err instanceof URIError
      ? { code: 'invalid_request' as const }
      : typeof err === 'object' && err !== null
        ? fromBodyParser(err as { type?: unknown })
        : undefined;
  if (bp) {
    reqLog.info({ code: bp.code }, 'request refused');
    return { status: ERRORS[bp.code].http ?? 400, body: { code: bp.code, message: bp.message ?? ERRORS[bp.code].message } };
  }
  reqLog.error({ err }, 'unexpected error');
  return { status: 500, body: { code: 'internal_error', message: ERRORS.internal_error.message } };
}
