/**
 * Which PostgreSQL failures mean "the database is not reachable right now" — answered with 503
 * `store_unavailable` (retry later) rather than 500 — and which are conflicts between concurrent
 * transactions that a retry resolves. SQLSTATE classes from
 * https://www.postgresql.org/docs/15/errcodes-appendix.html.
 */
import { isRapkiError } from '../../../common/src/errors.js';
import { caError } from '../errors.js';

const NODE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOENT']);

/** Connection lost or refused, server shutting down or starting, timeouts, too many connections. */
export function isPgUnavailable(err: unknown): boolean {
  if (isRapkiError(err)) return err.code === 'store_unavailable';
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('08')) return true; // connection_exception
  if (['57P01', '57P02', '57P03', '53300', '57014', '55P03', '25P03'].includes(code)) return true; // shutdown, cannot connect now, too many connections, statement timeout, lock timeout, idle-in-tx timeout
  if (NODE_NET_CODES.has(code)) return true;
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed|connection error|the database system is (?:starting up|shutting down|in recovery mode)/i.test(
    msg,
  );
}

/** Deadlock or serialization failure: the transaction can be retried as is. */
export function isPgRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** A unique violation of the named constraint or index. */
export function isPgUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === constraint;
}

/** `store_unavailable` for an unreachable database, the error itself otherwise. */
export function mapPgError(err: unknown): unknown {
  if (isRapkiError(err)) return err;
  if (isPgUnavailable(err)) return caError('store_unavailable', undefined, { cause: err });
  return err;
}
