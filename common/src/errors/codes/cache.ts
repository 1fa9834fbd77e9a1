/** Codes of the credential cache (reported as warnings: the cache never makes credential-process fail). */
import type { ErrorTable } from '../spec.js';

export const CACHE_CODES = {
  cache_dir_unsafe: { message: 'the cache directory is not a private directory of the current user' },
  cache_lock_timeout: { message: 'another process held the cache lock for too long' },
  cache_io_error: { message: 'the cache could not be read or written' },
} as const satisfies ErrorTable;
