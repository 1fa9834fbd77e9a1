/**
 * Coded errors of the signer core (keys, certificates, preflight, request building).
 *
 * Why one table: the CLI maps codes to messages and exit codes, docs list them, and tests assert
 * them; a code that is not in {@link SIGNER_ERROR_CODES} cannot be thrown (compile-time check).
 * The session client keeps its own table in `signer/src/session/`.
 *
 * Messages never contain key material, passwords or file contents; paths and ARNs are fine.
 */
import { RapkiError } from '../../common/src/errors.js';

/** Every signer-core code with a one-line description. */
export const SIGNER_ERROR_CODES = {
  file_not_found: 'a certificate, key or bundle file does not exist or cannot be read',
  file_too_large: 'an input file is larger than any certificate or key could be',
  unparsable_pem: 'a file expected to hold PEM blocks holds none, or a block is not valid base64/DER',
  unparsable_certificate: 'a CERTIFICATE block is not a valid X.509 certificate',
  unparsable_private_key: 'the private key could not be decoded (corrupt, or an unsupported format)',
  missing_certificate: 'no certificate was found where one is required',
  missing_private_key: 'no private key was found (neither --private-key nor a key in the certificate file)',
  multiple_private_keys: 'the file holds more than one private key',
  unexpected_pem_block: 'a PEM block of an unexpected type (e.g. a key in the intermediates bundle)',
  encrypted_key_needs_password: 'the key is encrypted PKCS#8 and no password was given',
  wrong_key_password: 'the password does not decrypt the PKCS#8 key',
  legacy_encrypted_pem: 'the key uses legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED)',
  unsupported_key_type: 'the key is not RSA or EC (e.g. Ed25519, Ed448, DSA, DH)',
  unsupported_curve: 'the EC key is on a curve other than P-256 or P-384',
  rsa_key_too_small: 'the RSA key is shorter than 2048 bits',
  rsa_key_too_large: 'the RSA key is longer than 8192 bits',
  key_certificate_mismatch: 'the private key does not belong to the certificate',
  pkcs12_needs_password: 'the PKCS#12 file is password-protected and no password was given',
  pkcs12_wrong_password: 'the PKCS#12 password is wrong (MAC check or decryption failed)',
  pkcs12_unparsable: 'the file is neither PEM nor a readable PKCS#12 container',
  pkcs12_no_key: 'the PKCS#12 file holds no private key',
  pkcs12_no_matching_certificate: 'no certificate in the PKCS#12 file matches its private key',
  pkcs12_with_intermediates: '--intermediates cannot be combined with a PKCS#12 file',
  unsupported_digest: 'a digest other than SHA256, SHA384 or SHA512 was requested',
  certificate_expired: 'the certificate notAfter is in the past',
  certificate_not_yet_valid: 'the certificate notBefore is in the future',
  certificate_not_v3: 'the end-entity certificate is not X.509 version 3',
  certificate_empty_subject: 'the end-entity certificate has an empty subject',
  leaf_missing_digital_signature: 'the end-entity certificate keyUsage lacks digitalSignature',
  leaf_is_ca: 'the end-entity certificate has basicConstraints CA:TRUE',
  weak_signature_algorithm: 'a certificate is signed with MD5 or SHA-1',
  chain_does_not_link: 'a certificate in the chain is not signed by the next one',
  chain_too_long: 'more than 5 certificates in the intermediates chain',
  invalid_arn: 'an ARN is malformed or of the wrong resource type',
  region_mismatch: 'the trust anchor and profile ARNs are in different regions',
  invalid_region: 'the signing region is empty or malformed',
  invalid_duration: 'the session duration is outside 900..43200 seconds',
  invalid_role_session_name: 'the role session name breaks the STS rules (2-64 chars of [\\w+=,.@-])',
  invalid_host: 'the Host value is empty or contains whitespace',
} as const;

export type SignerErrorCode = keyof typeof SIGNER_ERROR_CODES;

/** A failure of the signer core; `code` is one of {@link SIGNER_ERROR_CODES}. */
export class SignerError extends RapkiError {
  declare readonly code: SignerErrorCode;

  constructor(
    code: SignerErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(code, message, options);
  }
}
