/**
 * Codes of PKCS#11 key sources (common/src/pkcs11/). Codes shared with file keys
 * (`key_certificate_mismatch`, `unsupported_curve`, …) are the signer's. Messages name URIs
 * without their `pin-value` and never contain a PIN.
 */
import type { ErrorTable } from '../spec.js';

export const PKCS11_CODES = {
  invalid_pkcs11_uri: { message: 'a pkcs11: URI does not follow RFC 7512 or names an attribute rapki cannot honour' },
  pkcs11_binding_unavailable: { message: 'the native pkcs11js addon could not be loaded (not installed or not built)' },
  pkcs11_module_not_found: { message: 'the PKCS#11 module (--pkcs11-lib or module-path) cannot be loaded' },
  pkcs11_module_failed: { message: 'the PKCS#11 module failed to initialize or to list its slots' },
  pkcs11_token_not_found: { message: 'no token matches the token attributes of the URI' },
  pkcs11_multiple_tokens: { message: 'several tokens match the URI; add token=, serial= or slot-id=' },
  pkcs11_pin_required: { message: 'the token needs a user PIN and none was given' },
  pkcs11_pin_source_unreadable: { message: 'the pin-source file cannot be read' },
  pkcs11_wrong_pin: { message: 'the token rejected the PIN (CKR_PIN_INCORRECT / CKR_PIN_INVALID / CKR_PIN_LEN_RANGE)' },
  pkcs11_pin_locked: { message: 'the user PIN is locked or expired on the token' },
  pkcs11_context_pin_required: { message: 'the key needs a PIN for every signature (CKA_ALWAYS_AUTHENTICATE) and --reuse-pin was not given' },
  pkcs11_certificate_not_found: { message: 'no certificate object matches the URI' },
  pkcs11_multiple_certificates: { message: 'several certificate objects match the URI; add id= or object=' },
  pkcs11_unparsable_certificate: { message: 'a certificate object on the token is not valid X.509 DER' },
  pkcs11_key_not_found: { message: 'no private key object matches the URI' },
  pkcs11_multiple_keys: { message: 'several private key objects match the URI; add id= or object=' },
  pkcs11_unsupported_key_type: { message: 'the private key object is neither RSA nor EC' },
  pkcs11_unsupported_mechanism: { message: 'the token does not offer the signing mechanism the key needs' },
  pkcs11_unsupported_combination: { message: 'a file private key with a pkcs11: certificate (use a token key, or files for both)' },
  pkcs11_operation_failed: { message: 'a PKCS#11 call failed (the CKR_ name is in the message)' },
} as const satisfies ErrorTable;
