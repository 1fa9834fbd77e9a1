/**
 * Every code of `CA_ERROR_CODES` (ca-server/src/errors.ts) is either provoked over HTTP by `server.int.test.ts` (which records the
 * codes it sees and checks this list in afterAll) or listed here with the reason it is not.
 */
export const NOT_PROVOKED_OVER_HTTP: Readonly<Record<string, string>> = {
  token_expired: 'needs the clock moved; covered in test/ca-server/authority/authority.int.test.ts',
  certificate_unknown: 'needs a cert chaining to this CA but absent from the store; covered in authority.int.test.ts',
  certificate_expired: 'needs the clock moved; covered in authority.int.test.ts',
  possession_invalid: 'provoked over HTTPS in http/renew-possession.int.test.ts (renewal with a proof of possession)',
  ttl_too_long: 'covered in authority.int.test.ts (same mapping path as invalid_request)',
  admin_token_not_found: 'provoked over HTTPS in http/admin-tokens.test.ts (a separate CA process)',
  admin_token_revoked: 'provoked over HTTPS in http/admin-tokens.test.ts',
  last_admin_token: 'provoked over HTTPS in http/admin-tokens.test.ts',
  lint_failed: 'only reachable through a broken X.509 layer; covered in authority.int.test.ts (faulty issuer adds a SAN)',
  audit_write_failed: 'needs a failing audit insert; covered in authority.int.test.ts (SQLite trigger)',
  not_ready: 'needs a dead store; covered in http/errors.test.ts with a closed store',
  csrf_failed:
    'the console only (HTML forms); provoked over HTTPS in test/ca-server/ui/console-http.int.test.ts and in a browser in test/e2e/console.e2e.test.ts',
  store_unavailable: 'needs the database down; provoked over HTTPS in test/ca-server/store/pg-outage.e2e.test.ts (PostgreSQL stopped under load)',
  store_state_conflict:
    'a compare-and-set of the CA state lost to another writer; covered in store/contract.ts (both backends, many writers); the rotation admin API maps it to rotation_in_progress',
  internal_error: 'no route throws a non-coded error on purpose; the mapping is covered in http/errors.test.ts',
  ca_exists: 'CLI only (status 0); covered in http/ca-cli.e2e.test.ts',
  ca_not_found: 'CLI only; covered in http/ca-cli.e2e.test.ts',
  passphrase_required: 'CLI only; covered in http/ca-cli.e2e.test.ts',
  passphrase_invalid: 'CLI only; covered in http/ca-cli.e2e.test.ts',
  ca_config_invalid: 'CLI only; covered in http/errors.test.ts',
  listen_invalid: 'CLI only; covered in http/errors.test.ts (parseListen)',
  store_locked: 'CLI only; covered in store/serve-lock.e2e.test.ts (two real ca serve processes)',
  store_url_invalid: 'CLI only; covered in store/store-url.test.ts',
  store_url_has_password: 'CLI only; covered in store/store-url.test.ts and store/store-cli.e2e.test.ts',
  store_schema_newer: 'CLI only; covered in store/pg-store.e2e.test.ts',
  store_not_empty: 'CLI only; covered in store/migrate-store.test.ts',
};
