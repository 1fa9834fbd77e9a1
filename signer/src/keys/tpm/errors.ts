/**
 * Coded errors of TPM 2.0 key sources. Like the PKCS#11 source, this one keeps its own table so
 * that codes, docs (docs/host.md "Keys in the TPM") and tests agree; codes shared with file keys
 * (`key_certificate_mismatch`, `unsupported_curve`, `rsa_key_too_small`, …) are thrown as
 * SignerError instead.
 *
 * Messages never contain a password or key bytes; handles, paths and TPM response codes are fine.
 */
import { RapkiError } from '../../../../common/src/errors.js';
import { TPM_CODES } from '../../../../common/src/errors/codes/tpm.js';

/** Every code of this area with what it means (the registry's entries, common/src/errors/codes/). */
export const TPM_ERROR_CODES: Readonly<Record<keyof typeof TPM_CODES, string>> = Object.freeze(
  Object.fromEntries(Object.entries(TPM_CODES).map(([c, spec]) => [c, spec.message])) as Record<keyof typeof TPM_CODES, string>,
);

export type TpmErrorCode = keyof typeof TPM_CODES;

/** A failure of a TPM key source; `code` is one of {@link TPM_ERROR_CODES}. */
export class TpmKeyError extends RapkiError {
  declare readonly code: TpmErrorCode;

  constructor(code: TpmErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, options);
  }
}
