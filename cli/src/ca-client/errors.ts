/**
 * Error codes raised by the CA client itself (the server's own codes pass through unchanged as
 * `{code, message}` from the response body). One table so that docs, messages and tests agree.
 */
import { RapkiError } from '../../../common/src/errors.js';

export const CA_CLIENT_ERRORS = {
  /** No `--ca-url` / `RAPKI_CA_URL`, or not an https URL. */
  ca_url_missing: 'no CA URL: pass --ca-url or set RAPKI_CA_URL',
  ca_url_invalid: 'the CA URL must be an https:// URL',
  /** Neither a root fingerprint nor a CA file to trust the server with. */
  ca_trust_missing: 'no way to trust the CA: pass --ca-fingerprint (or set RAPKI_CA_FINGERPRINT) or --ca-file',
  ca_fingerprint_invalid: 'the CA fingerprint must be 64 hex digits (SHA-256 of the root certificate, colons allowed)',
  /** The server presented no certificate whose SHA-256 equals the pinned fingerprint. */
  ca_fingerprint_mismatch: 'the CA server did not present the root certificate with the expected fingerprint',
  ca_file_invalid: 'the CA file holds no PEM certificate',
  /** TLS handshake or verification failure against the pinned root. */
  ca_tls_failed: 'TLS connection to the CA failed',
  ca_unreachable: 'could not reach the CA server',
  ca_timeout: 'the CA server did not answer in time',
  ca_response_too_large: 'the CA response is larger than allowed',
  ca_response_invalid: 'the CA response is not what the protocol says',
  /** Server answered an error without a `{code, message}` body. */
  ca_http_error: 'the CA server returned an error',
  admin_token_missing: 'no admin token: set RAPKI_ADMIN_TOKEN or pass --admin-token-file',
  enroll_token_missing: 'no enrollment token: pass --token, --token-file or set RAPKI_ENROLL_TOKEN',
  secret_file_invalid: 'the secret file cannot be read',
  serial_invalid: 'not a certificate serial number (hex, colons allowed)',
  san_invalid: 'a SAN must look like dns:NAME, ip:ADDRESS, uri:URI or email:ADDRESS',
  /** `token create --subject`: outside the name policy the CA applies (docs/ca-api.md "Names"). */
  subject_invalid: 'the subject is not a name the CA binds to a token',
  duration_invalid: 'a duration must look like 90s, 15m, 1h, 24h or 7d',
  key_type_invalid: 'unknown key type',
  file_invalid: 'a certificate or key file cannot be read',
  audit_chain_broken: 'the audit log hash chain is broken',
  /** `audit verify --expect-head SEQ:HASH`: the chain at SEQ has another hash, or is shorter (history rewritten). */
  audit_head_mismatch: 'the audit log does not hold the expected head: its history was rewritten',
  /**
   * renew/agent with `--private-key pkcs11:…`: renewal authenticates with TLS client auth, and Node's
   * TLS cannot sign the handshake with a key it does not hold.
   */
  pkcs11_renew_unsupported: 'renewal with a key on a PKCS#11 token is not supported yet',
  usage: 'invalid arguments',
} as const;

export type CaClientErrorCode = keyof typeof CA_CLIENT_ERRORS;

/** Appended to every network error: the URL was tried, and this is what changes it. */
export const CA_URL_HINT = 'the URL comes from --ca-url or RAPKI_CA_URL';

/** `ca_unreachable` naming the URL tried and what sets it. */
export function caUnreachable(url: URL, err: Error): ReturnType<typeof caClientError> {
  return caClientError('ca_unreachable', `could not reach the CA at ${url.origin}: ${err.message} (${CA_URL_HINT})`, { cause: err, details: { url: url.origin } });
}

/** A coded client-side error with the table's message unless a more precise safe one is given. */
export function caClientError(
  code: CaClientErrorCode,
  message?: string,
  options?: { cause?: unknown; details?: Record<string, unknown> },
): RapkiError {
  return new RapkiError(code, message ?? CA_CLIENT_ERRORS[code], options);
}
