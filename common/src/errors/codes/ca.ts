/**
 * Codes of the CA server: the HTTP API (docs/ca-api.md "Errors") and `rapki ca init|serve`.
 * An entry with `http` may be answered on the wire; one without is for the CLI only.
 */
import type { ErrorTable } from '../spec.js';

export const CA_CODES = {
  invalid_json: { http: 400, message: 'The request body is not a valid JSON object.' },
  invalid_request: { http: 400, message: 'The request is invalid.' },
  unsupported_media_type: { http: 415, message: 'Send the body as application/json.' },
  body_too_large: { http: 413, message: 'The request body is too large.' },
  invalid_csr: { http: 400, message: 'The certificate signing request is invalid.' },
  weak_key: { http: 400, message: 'The key must be RSA of 2048-8192 bits with exponent 65537, or EC P-256/P-384 on a named curve.' },
  token_invalid: { http: 401, message: 'The enrollment token is not valid.' },
  token_expired: { http: 401, message: 'The enrollment token has expired.' },
  token_used: { http: 401, message: 'The enrollment token has already been used.' },
  name_mismatch: { http: 403, message: 'The names in the CSR do not match the authorised names.' },
  host_blocked: { http: 403, message: 'This host is blocked from enrollment.' },
  unauthorized: { http: 401, message: 'A valid admin bearer token is required.' },
  forbidden: { http: 403, message: 'This admin token may not do that.' },
  csrf_failed: {
    http: 403,
    message: 'The form did not come from this console or has expired (cross-site request refused); reload the page and try again.',
  },
  client_certificate_required: { http: 401, message: 'Renewal requires the current certificate as TLS client certificate.' },
  possession_invalid: { http: 401, message: "The proof of possession of the current certificate's key is not valid." },
  certificate_unknown: { http: 401, message: 'The client certificate is not known to this CA.' },
  certificate_superseded: {
    http: 409,
    message: 'This certificate was already renewed; renew with the newest certificate, or ask an operator.',
  },
  certificate_not_found: { http: 404, message: 'No certificate with that serial number.' },
  already_revoked: { http: 409, message: 'The certificate is already revoked.' },
  host_not_found: { http: 404, message: 'No such host.' },
  admin_token_not_found: { http: 404, message: 'No admin token with that id.' },
  admin_token_revoked: { http: 409, message: 'The admin token is already revoked.' },
  last_admin_token: { http: 409, message: 'This is the last usable admin-role token; create another admin token before revoking it.' },
  ttl_too_long: { http: 400, message: 'The requested lifetime is longer than the server allows.' },
  not_found: { http: 404, message: 'No such route.' },
  method_not_allowed: { http: 405, message: 'Method not allowed on this route.' },
  rate_limited: { http: 429, message: 'Too many requests; retry later.' },
  lint_failed: { http: 500, message: 'The certificate failed the issuance lint and was not issued.' },
  audit_write_failed: { http: 500, message: 'The audit record could not be written; nothing was changed.' },
  not_ready: { http: 503, message: 'The CA is not ready.' },
  // CLI-only (rapki ca init|serve)
  ca_exists: { message: 'A CA already exists in that directory.' },
  ca_not_found: { message: 'No CA in that directory; run `rapki ca init` first.' },
  passphrase_required: { message: 'Set RAPKI_CA_PASSPHRASE or pass --passphrase-file.' },
  passphrase_invalid: { message: 'The passphrase does not decrypt the CA key.' },
  ca_config_invalid: { message: 'The CA configuration is invalid.' },
} as const satisfies ErrorTable;
