/**
 * Coded errors of the CA server. The codes are the `ca` and `store` areas of the one registry
 * (common/src/errors/codes/ca.ts, store.ts; docs/errors.md), plus the shared codes the CA answers
 * too (a serial that is not valid, a client certificate that is expired, revoked or untrusted).
 *
 * Why through the registry: the HTTP layer maps a {@link RapkiError} to its status in one place
 * (ca-server/src/http/error-mapper.ts), `docs/ca-api.md` documents the same list, and
 * `test/ca-server/http/errors.int.test.ts` checks that every code is either provoked by a test or
 * listed with the reason it cannot be.
 */
import type { RapkiError } from '../../common/src/errors.js';
import { CA_CODES } from '../../common/src/errors/codes/ca.js';
import { STORE_CODES } from '../../common/src/errors/codes/store.js';
import { rapkiError } from '../../common/src/errors/registry.js';

export { httpStatusOf } from '../../common/src/errors/registry.js';

/** Shared codes (common/src/errors/codes/shared.ts) the CA raises too. */
const SHARED = ['internal_error', 'serial_invalid', 'certificate_expired', 'certificate_revoked', 'certificate_untrusted', 'listen_invalid'] as const;

export type CaErrorCode = keyof typeof CA_CODES | keyof typeof STORE_CODES | (typeof SHARED)[number];

/** Every code the CA server raises (docs/ca-api.md lists those with an HTTP status). */
export const CA_ERROR_CODES: readonly CaErrorCode[] = [...(Object.keys(CA_CODES) as CaErrorCode[]), ...(Object.keys(STORE_CODES) as CaErrorCode[]), ...SHARED];

/** Builds a {@link RapkiError} with a CA code (message defaults to the registry's). */
export function caError(code: CaErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }): RapkiError {
  return rapkiError(code, message, options);
}
