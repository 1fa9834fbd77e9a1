/**
 * Coded errors of the signer core (keys, certificates, preflight, request building).
 *
 * The codes are the signer area of the one registry (common/src/errors/codes/signer.ts, listed in
 * docs/errors.md); a code that is not in {@link SIGNER_ERROR_CODES} cannot be thrown by
 * {@link SignerError} (compile-time check). The session client's are in `signer/src/session/`.
 *
 * Messages never contain key material, passwords or file contents; paths and ARNs are fine.
 */
import { RapkiError } from '../../common/src/errors.js';
import { SHARED_CODES } from '../../common/src/errors/codes/shared.js';
import { SIGNER_CODES } from '../../common/src/errors/codes/signer.js';

/** Shared codes (common/src/errors/codes/shared.ts) the signer core raises too. */
const SHARED = ['certificate_unparsable', 'certificate_expired', 'pem_invalid', 'duration_invalid', 'invalid_region'] as const;

export type SignerErrorCode = keyof typeof SIGNER_CODES | (typeof SHARED)[number];

/** Every signer-core code with a one-line description (public through `rapki/signer`). */
export const SIGNER_ERROR_CODES: Readonly<Record<SignerErrorCode, string>> = Object.freeze(
  Object.fromEntries([...Object.entries(SIGNER_CODES), ...SHARED.map((c) => [c, SHARED_CODES[c]] as const)].map(([c, spec]) => [c, spec.message])) as Record<
    SignerErrorCode,
    string
  >,
);

/** A failure of the signer core; `code` is one of {@link SIGNER_ERROR_CODES}. */
export class SignerError extends RapkiError {
  declare readonly code: SignerErrorCode;

  constructor(code: SignerErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, options);
  }
}
