/**
 * Constants of the CA client: environment variable names, file names written by `rapki enroll`,
 * and size/time limits. The routes and the grammars are the contract's (common/src/contract/).
 */

/** Environment variables read by the CA commands (secrets only ever come from here or from files). */
export const CA_ENV = {
  url: 'RAPKI_CA_URL',
  fingerprint: 'RAPKI_CA_FINGERPRINT',
  caFile: 'RAPKI_CA_FILE',
  adminToken: 'RAPKI_ADMIN_TOKEN',
  enrollToken: 'RAPKI_ENROLL_TOKEN',
} as const;

/**
 * The new key of a renewal of a persistent TPM key (`handle:`), a TSS2 key file kept next to the
 * certificate (0600) from just before the certificate is written until the key is at the handle.
 */
export const PENDING_TPM_KEY_FILE = '.rapki-pending-tpm-key.pem';

/** Files `rapki enroll` writes into `--out DIR` and `rapki renew` replaces. */
export const ENROLL_FILES = {
  certificate: 'certificate.pem',
  privateKey: 'private-key.pem',
  chain: 'chain.pem',
  ca: 'ca.pem',
} as const;

/** Largest JSON response body accepted from the CA (inventory pages, certificates). */
export const MAX_JSON_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Largest secret file read (admin token, enrollment token). */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;
/** Largest certificate / key file read for renewal. */
export const MAX_PEM_FILE_BYTES = 1024 * 1024;
/** Per-request timeout (connect + response). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Pages followed at most by `cert list` / `audit verify`, a guard against a server that loops. */
export const MAX_PAGES = 100_000;

/** CLI exit codes for CA commands. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  /** `rapki agent`: the CA refused renewal for good (revoked, expired, unknown, blocked); restarting cannot help. */
  refused: 3,
} as const;
