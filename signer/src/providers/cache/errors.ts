/** Coded errors of the credential cache (reported as warnings: the cache never makes credential-process fail). */
import { RapkiError } from '../../../../common/src/errors.js';
import { CACHE_CODES } from '../../../../common/src/errors/codes/cache.js';

/** Every code of this area with what it means (the registry's entries, common/src/errors/codes/). */
export const CACHE_ERROR_CODES: Readonly<Record<keyof typeof CACHE_CODES, string>> = Object.freeze(
  Object.fromEntries(Object.entries(CACHE_CODES).map(([c, spec]) => [c, spec.message])) as Record<keyof typeof CACHE_CODES, string>,
);

export type CacheErrorCode = keyof typeof CACHE_CODES;

export function cacheError(code: CacheErrorCode, message: string, cause?: unknown): RapkiError {
  return new RapkiError(code, message, cause === undefined ? undefined : { cause });
}
