/** Coded errors of the credential cache (reported as warnings: the cache never makes credential-process fail). */
import { RapkiError } from '../../../../common/src/errors.js';

export const CACHE_ERROR_CODES = {
  cache_dir_unsafe: 'the cache directory is not a private directory of the current user',
  cache_lock_timeout: 'another process held the cache lock for too long',
  cache_io_error: 'the cache could not be read or written',
} as const;

export type CacheErrorCode = keyof typeof CACHE_ERROR_CODES;

export function cacheError(code: CacheErrorCode, message: string, cause?: unknown): RapkiError {
  return new RapkiError(code, message, cause === undefined ? undefined : { cause });
}
