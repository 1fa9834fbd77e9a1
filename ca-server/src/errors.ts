/**
 * The one table of CA server error codes (DESIGN.md: "codes are listed in one table and tested").
 *
 * Why one table: the HTTP layer maps a {@link RapkiError} to its status here and nowhere else,
 * `docs/ca-api.md` documents the same list, and `test/ca-server/http/errors.int.test.ts` checks that
 * every code is either provoked by a test or listed with the reason it cannot be.
 */
import { RapkiError } from '../../common/src/errors.js';

export interface CaErrorSpec {
  /** HTTP status; `0` for CLI-only codes that never reach the wire. */
  readonly status: number;
  /** Default safe message. */
  readonly message: string;
}

export const CA_ERRORS = {
  invalid_json: { status: 400, message: 'The request body is not a valid JSON object.' },
  invalid_request: { status: 400, message: 'The request is invalid.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  body_too_large: { status: 413, message: 'The request body is too large.' },
  invalid_csr: { status: 400, message: 'The certificate signing request is invalid.' },
  weak_key: { status: 400, message: 'The key must be RSA of 2048-8192 bits with exponent 65537, or EC P-256/P-384 on a named curve.' },
  invalid_serial: { status: 400, message: 'The serial number is not valid hex of at most 20 octets.' },
  token_invalid: { status: 401, message: 'The enrollment token is not valid.' },
  token_expired: { status: 401, message: 'The enrollment token has expired.' },
  token_used: { status: 401, message: 'The enrollment token has already been used.' },
  name_mismatch: { status: 403, message: 'The names in the CSR do not match the authorised names.' },
  host_blocked: { status: 403, message: 'This host is blocked from enrollment.' },
  unauthorized: { status: 401, message: 'A valid admin bearer token is required.' },
  forbidden: { status: 403, message: 'This admin token may not do that.' },
  csrf_failed: {
    status: 403,
    message: 'The form did not come from this console or has expired (cross-site request refused); reload the page and try again.',
  },
  client_certificate_required: { status: 401, message: 'Renewal requires the current certificate as TLS client certificate.' },
  certificate_untrusted: { status: 401, message: 'The client certificate was not issued by this CA.' },
  possession_invalid: { status: 401, message: 'The proof of possession of the current certificate\'s key is not valid.' },
  certificate_unknown: { status: 401, message: 'The client certificate is not known to this CA.' },
  certificate_revoked: { status: 403, message: 'The client certificate is revoked.' },
  certificate_expired: { status: 401, message: 'The client certificate has expired or is not yet valid.' },
  certificate_superseded: {
    status: 409,
    message: 'This certificate was already renewed; renew with the newest certificate, or ask an operator.',
  },
  certificate_not_found: { status: 404, message: 'No certificate with that serial number.' },
  already_revoked: { status: 409, message: 'The certificate is already revoked.' },
  host_not_found: { status: 404, message: 'No such host.' },
  admin_token_not_found: { status: 404, message: 'No admin token with that id.' },
  admin_token_revoked: { status: 409, message: 'The admin token is already revoked.' },
  last_admin_token: { status: 409, message: 'This is the last usable admin-role token; create another admin token before revoking it.' },
  ttl_too_long: { status: 400, message: 'The requested lifetime is longer than the server allows.' },
  not_found: { status: 404, message: 'No such route.' },
  method_not_allowed: { status: 405, message: 'Method not allowed on this route.' },
  rate_limited: { status: 429, message: 'Too many requests; retry later.' },
  lint_failed: { status: 500, message: 'The certificate failed the issuance lint and was not issued.' },
  audit_write_failed: { status: 500, message: 'The audit record could not be written; nothing was changed.' },
  not_ready: { status: 503, message: 'The CA is not ready.' },
  store_unavailable: { status: 503, message: 'The CA database does not answer; retry later.' },
  internal_error: { status: 500, message: 'Internal error.' },
  // CLI-only (rapki ca init|serve)
  ca_exists: { status: 0, message: 'A CA already exists in that directory.' },
  ca_not_found: { status: 0, message: 'No CA in that directory; run `rapki ca init` first.' },
  passphrase_required: { status: 0, message: 'Set RAPKI_CA_PASSPHRASE or pass --passphrase-file.' },
  passphrase_invalid: { status: 0, message: 'The passphrase does not decrypt the CA key.' },
  ca_config_invalid: { status: 0, message: 'The CA configuration is invalid.' },
  listen_invalid: { status: 0, message: 'The listen address must be HOST:PORT.' },
  store_locked: { status: 0, message: 'Another rapki ca serve process serves this CA directory; stop it first.' },
  // CLI-only: choosing and opening the store (docs/ha.md)
  store_url_invalid: { status: 0, message: 'The store URL is not valid; use postgres://… or sqlite:PATH.' },
  store_url_has_password: {
    status: 0,
    message: 'A password in --store-url shows in the process list; use PGPASSWORD, PGPASSFILE, --store-url-file or RAPKI_CA_STORE_URL.',
  },
  store_schema_newer: { status: 0, message: 'The database was migrated by a newer rapki; upgrade this rapki first.' },
  store_not_empty: { status: 0, message: 'The target store already holds data; migrate only into an empty database.' },
} as const satisfies Record<string, CaErrorSpec>;

export type CaErrorCode = keyof typeof CA_ERRORS;

/** Builds a {@link RapkiError} with a code from {@link CA_ERRORS} (message defaults to the table's). */
export function caError(
  code: CaErrorCode,
  message?: string,
  options?: { cause?: unknown; details?: Record<string, unknown> },
): RapkiError {
  return new RapkiError(code, message ?? CA_ERRORS[code].message, options);
}

/** HTTP status of a code; unknown codes (from other components) are 500. */
export function httpStatusOf(code: string): number {
  const spec = (CA_ERRORS as Record<string, CaErrorSpec>)[code];
  return spec && spec.status > 0 ? spec.status : 500;
}
