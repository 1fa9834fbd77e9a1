/**
 * Codes of the CA's X.509 layer (ca-server/src/x509/). The authority maps them to the HTTP codes
 * (a bad CSR is `invalid_csr`, a lint failure `lint_failed`): none of them is answered on the wire.
 */
import type { ErrorTable } from '../spec.js';

export const X509_CODES = {
  csr_unparsable: { message: 'the CSR is not a valid PKCS#10 request (RFC 2986)' },
  csr_too_large: { message: 'the CSR exceeds the size limit' },
  csr_bad_signature: { message: 'the CSR signature does not verify (no proof of possession) or uses a weak algorithm' },
  csr_key_not_allowed: { message: 'the CSR key is outside the key policy (RSA 2048-8192, EC P-256/P-384)' },
  dn_invalid: { message: 'a distinguished name is not valid RFC 4514 text' },
  certificate_lint_failed: { message: 'an issued certificate broke the Roles Anywhere profile' },
  crl_reason_invalid: { message: 'unknown CRL reason' },
  ca_signer_mismatch: { message: 'the signer key does not match the issuer certificate' },
} as const satisfies ErrorTable;
