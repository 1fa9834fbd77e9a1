/**
 * Codes of the signer core (keys, certificates, preflight, request building). Messages never
 * contain key material, passwords or file contents; paths and ARNs are fine.
 */
import type { ErrorTable } from '../spec.js';

export const SIGNER_CODES = {
  file_not_found: { message: 'a certificate, key or bundle file does not exist or cannot be read' },
  file_too_large: { message: 'an input file is larger than any certificate or key could be' },
  unparsable_private_key: { message: 'the private key could not be decoded (corrupt, or an unsupported format)' },
  missing_certificate: { message: 'no certificate was found where one is required' },
  missing_private_key: { message: 'no private key was found (neither --private-key nor a key in the certificate file)' },
  multiple_private_keys: { message: 'the file holds more than one private key' },
  unexpected_pem_block: { message: 'a PEM block of an unexpected type (e.g. a key in the intermediates bundle)' },
  encrypted_key_needs_password: { message: 'the key is encrypted PKCS#8 and no password was given' },
  wrong_key_password: { message: 'the password does not decrypt the PKCS#8 key' },
  legacy_encrypted_pem: { message: 'the key uses legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED)' },
  unsupported_key_type: { message: 'the key is not RSA or EC (e.g. Ed25519, Ed448, DSA, DH)' },
  unsupported_curve: { message: 'the EC key is on a curve other than P-256 or P-384' },
  rsa_key_too_small: { message: 'the RSA key is shorter than 2048 bits' },
  rsa_key_too_large: { message: 'the RSA key is longer than 8192 bits' },
  key_certificate_mismatch: { message: 'the private key does not belong to the certificate' },
  pkcs12_needs_password: { message: 'the PKCS#12 file is password-protected and no password was given' },
  pkcs12_wrong_password: { message: 'the PKCS#12 password is wrong (MAC check or decryption failed)' },
  pkcs12_unparsable: { message: 'the file is neither PEM nor a readable PKCS#12 container' },
  pkcs12_no_key: { message: 'the PKCS#12 file holds no private key' },
  pkcs12_no_matching_certificate: { message: 'no certificate in the PKCS#12 file matches its private key' },
  pkcs12_with_intermediates: { message: '--intermediates cannot be combined with a PKCS#12 file' },
  unsupported_digest: { message: 'a digest other than SHA256, SHA384 or SHA512 was requested' },
  certificate_not_yet_valid: { message: 'the certificate notBefore is in the future' },
  certificate_not_v3: { message: 'the end-entity certificate is not X.509 version 3' },
  certificate_empty_subject: { message: 'the end-entity certificate has an empty subject' },
  leaf_missing_digital_signature: { message: 'the end-entity certificate keyUsage lacks digitalSignature' },
  leaf_is_ca: { message: 'the end-entity certificate has basicConstraints CA:TRUE' },
  weak_signature_algorithm: { message: 'a certificate is signed with MD5 or SHA-1' },
  chain_does_not_link: { message: 'a certificate in the chain is not signed by the next one' },
  chain_too_long: { message: 'more than 5 certificates in the intermediates chain' },
  invalid_arn: { message: 'an ARN is malformed or of the wrong resource type' },
  region_mismatch: { message: 'the trust anchor and profile ARNs are in different regions' },
  invalid_role_session_name: { message: 'the role session name breaks the STS rules (2-64 chars of [\\w+=,.@-])' },
  invalid_host: { message: 'the Host value is empty or contains whitespace' },
  key_file_readable_by_others: { message: 'the private key file can be read by other users (a warning: chmod 600 it)' },
} as const satisfies ErrorTable;
