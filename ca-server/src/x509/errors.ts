import { RapkiError } from '../../../common/src/errors.js';

/**
 * Error codes raised by the CA's X.509 layer. The authority and the HTTP layer map them to
 * statuses (bad CSR → 400, lint failure → 500).
 */
export const X509_ERROR_CODES = {
  csr_unparsable: 'the CSR is not a valid PKCS#10 request (RFC 2986)',
  csr_too_large: 'the CSR exceeds the size limit',
  csr_bad_signature: 'the CSR signature does not verify (no proof of possession) or uses a weak algorithm',
  csr_key_not_allowed: 'the CSR key is outside the key policy (RSA 2048-8192, EC P-256/P-384)',
  dn_invalid: 'a distinguished name is not valid RFC 4514 text',
  san_invalid: 'a subject alternative name is not valid',
  pem_invalid: 'the PEM text is malformed or has the wrong label',
  certificate_unparsable: 'a certificate could not be decoded',
  certificate_lint_failed: 'an issued certificate broke the Roles Anywhere profile',
  crl_reason_invalid: 'unknown CRL reason',
  serial_invalid: 'a serial number is not valid hex',
  ca_signer_mismatch: 'the signer key does not match the issuer certificate',
} as const;

export type X509ErrorCode = keyof typeof X509_ERROR_CODES;

/** Shorthand for a coded error of this layer. */
export function x509Error(code: X509ErrorCode, message: string, cause?: unknown): RapkiError {
  return new RapkiError(code, message, cause === undefined ? undefined : { cause });
}
