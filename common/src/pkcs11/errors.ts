/**
 * Coded errors of PKCS#11 key sources. Like the session client, this source keeps its own table so
 * that the codes, docs and tests agree; codes shared with file keys (`key_certificate_mismatch`,
 * `unsupported_curve`, `rsa_key_too_small`, …) are thrown as {@link SignerError} instead.
 *
 * Messages name URIs without their `pin-value` and never contain a PIN.
 */
import { RapkiError } from '../errors.js';
import { PKCS11_CODES } from '../errors/codes/pkcs11.js';

/** Every code of this area with what it means (the registry's entries, common/src/errors/codes/). */
export const PKCS11_ERROR_CODES: Readonly<Record<keyof typeof PKCS11_CODES, string>> = Object.freeze(
  Object.fromEntries(Object.entries(PKCS11_CODES).map(([c, spec]) => [c, spec.message])) as Record<keyof typeof PKCS11_CODES, string>,
);

export type Pkcs11ErrorCode = keyof typeof PKCS11_CODES;

/** A failure of a PKCS#11 key source; `code` is one of {@link PKCS11_ERROR_CODES}. */
export class Pkcs11KeyError extends RapkiError {
  declare readonly code: Pkcs11ErrorCode;

  constructor(code: Pkcs11ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, options);
  }
}
