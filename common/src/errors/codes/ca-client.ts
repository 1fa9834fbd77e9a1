/**
 * Codes raised by the CLI's CA client itself (cli/src/ca-client/); the server's own codes pass
 * through unchanged from the response body.
 */
import type { ErrorTable } from '../spec.js';

export const CA_CLIENT_CODES = {
  /** No `--ca-url` / `RAPKI_CA_URL`, or not an https URL. */
  ca_url_missing: { message: 'no CA URL: pass --ca-url or set RAPKI_CA_URL' },
  ca_url_invalid: { message: 'the CA URL must be an https:// URL' },
  /** Neither a root fingerprint nor a CA file to trust the server with. */
  ca_trust_missing: { message: 'no way to trust the CA: pass --ca-fingerprint (or set RAPKI_CA_FINGERPRINT) or --ca-file' },
  ca_fingerprint_invalid: { message: 'the CA fingerprint must be 64 hex digits (SHA-256 of the root certificate, colons allowed)' },
  /** The server presented no certificate whose SHA-256 equals the pinned fingerprint. */
  ca_fingerprint_mismatch: { message: 'the CA server did not present the root certificate with the expected fingerprint' },
  ca_file_invalid: { message: 'the CA file holds no PEM certificate' },
  /** TLS handshake or verification failure against the pinned root. */
  ca_tls_failed: { message: 'TLS connection to the CA failed' },
  ca_unreachable: { message: 'could not reach the CA server' },
  ca_timeout: { message: 'the CA server did not answer in time' },
  ca_response_too_large: { message: 'the CA response is larger than allowed' },
  ca_response_invalid: { message: 'the CA response is not what the protocol says' },
  /** Server answered an error without a `{code, message}` body. */
  ca_http_error: { message: 'the CA server returned an error' },
  admin_token_missing: { message: 'no admin token: set RAPKI_ADMIN_TOKEN or pass --admin-token-file' },
  enroll_token_missing: { message: 'no enrollment token: pass --token, --token-file or set RAPKI_ENROLL_TOKEN' },
  secret_file_invalid: { message: 'the secret file cannot be read' },
  /** `token create --subject`: outside the name policy the CA applies (docs/ca-api.md "Names"). */
  subject_invalid: { message: 'the subject is not a name the CA binds to a token' },
  key_type_invalid: { message: 'unknown key type' },
  file_invalid: { message: 'a certificate or key file cannot be read' },
  audit_chain_broken: { message: 'the audit log hash chain is broken' },
  /** `audit verify --expect-head SEQ:HASH`: the chain at SEQ has another hash, or is shorter (history rewritten). */
  audit_head_mismatch: { message: 'the audit log does not hold the expected head: its history was rewritten' },
  /**
   * renew/agent with `--private-key pkcs11:…`: renewal authenticates with TLS client auth, and Node's
   * TLS cannot sign the handshake with a key it does not hold.
   */
  pkcs11_renew_unsupported: { message: 'renewal with a key on a PKCS#11 token is not supported yet' },
} as const satisfies ErrorTable;
