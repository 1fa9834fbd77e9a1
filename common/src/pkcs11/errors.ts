/**
 * Coded errors of PKCS#11 key sources. Like the session client, this source keeps its own table so
 * that the codes, docs and tests agree; codes shared with file keys (`key_certificate_mismatch`,
 * `unsupported_curve`, `rsa_key_too_small`, …) are thrown as {@link SignerError} instead.
 *
 * Messages name URIs without their `pin-value` and never contain a PIN.
 */
import { RapkiError } from '../errors.js';

/** Every PKCS#11 code with a one-line description. */
export const PKCS11_ERROR_CODES = {
  invalid_pkcs11_uri: 'a pkcs11: URI does not follow RFC 7512 or names an attribute rapki cannot honour',
  pkcs11_binding_unavailable: 'the native pkcs11js addon could not be loaded (not installed or not built)',
  pkcs11_module_not_found: 'the PKCS#11 module (--pkcs11-lib or module-path) cannot be loaded',
  pkcs11_module_failed: 'the PKCS#11 module failed to initialize or to list its slots',
  pkcs11_token_not_found: 'no token matches the token attributes of the URI',
  pkcs11_multiple_tokens: 'several tokens match the URI; add token=, serial= or slot-id=',
  pkcs11_pin_required: 'the token needs a user PIN and none was given',
  pkcs11_pin_source_unreadable: 'the pin-source file cannot be read',
  pkcs11_wrong_pin: 'the token rejected the PIN (CKR_PIN_INCORRECT / CKR_PIN_INVALID / CKR_PIN_LEN_RANGE)',
  pkcs11_pin_locked: 'the user PIN is locked or expired on the token',
  pkcs11_context_pin_required: 'the key needs a PIN for every signature (CKA_ALWAYS_AUTHENTICATE) and --reuse-pin was not given',
  pkcs11_certificate_not_found: 'no certificate object matches the URI',
  pkcs11_multiple_certificates: 'several certificate objects match the URI; add id= or object=',
  pkcs11_unparsable_certificate: 'a certificate object on the token is not valid X.509 DER',
  pkcs11_key_not_found: 'no private key object matches the URI',
  pkcs11_multiple_keys: 'several private key objects match the URI; add id= or object=',
  pkcs11_unsupported_key_type: 'the private key object is neither RSA nor EC',
  pkcs11_unsupported_mechanism: 'the token does not offer the signing mechanism the key needs',
  pkcs11_unsupported_combination: 'a file private key with a pkcs11: certificate (use a token key, or files for both)',
  pkcs11_operation_failed: 'a PKCS#11 call failed (the CKR_ name is in the message)',
} as const;

export type Pkcs11ErrorCode = keyof typeof PKCS11_ERROR_CODES;

/** A failure of a PKCS#11 key source; `code` is one of {@link PKCS11_ERROR_CODES}. */
export class Pkcs11KeyError extends RapkiError {
  declare readonly code: Pkcs11ErrorCode;

  constructor(code: Pkcs11ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, options);
  }
}
