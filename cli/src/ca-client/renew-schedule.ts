/**
 * When `rapki renew --daemon` renews: at about 2/3 of the certificate's lifetime (the point step-ca's
 * and cert-manager's agents use), with jitter so that a fleet enrolled in the same minute does not
 * renew in the same second, and with capped exponential backoff after failures. Pure functions of
 * the certificate's validity, the clock and a random source, so they are tested without waiting.
 */

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Fraction of the lifetime after which to renew. */
export const RENEW_AT_FRACTION = 2 / 3;
/** Jitter: up to this fraction of the lifetime, either side of the renewal point. */
export const RENEW_JITTER_FRACTION = 0.05;
export const BACKOFF_MIN_MS = 5_000;
export const BACKOFF_MAX_MS = 15 * 60_000;

/**
 * Milliseconds from `now` until the next renewal attempt (0 = now). `random` returns [0, 1).
 * `obtainedAt`, when known (the daemon just renewed), is used instead of notBefore as the start of
 * the lifetime: the CA backdates notBefore for clock skew (5 min), and with a very short lifetime
 * that backdating alone could put the 2/3 point in the past and make the daemon renew in a loop.
 */
export function renewalDelayMs(v: Validity, now: Date, random: () => number, obtainedAt?: Date): number {
  const end = v.notAfter.getTime();
  const start = obtainedAt ? Math.min(end, Math.max(v.notBefore.getTime(), obtainedAt.getTime())) : v.notBefore.getTime();
  const life = end - start;
  if (life <= 0) return 0;
  const jitter = (random() * 2 - 1) * RENEW_JITTER_FRACTION * life;
  const at = start + RENEW_AT_FRACTION * life + jitter;
  return Math.max(0, Math.round(at - now.getTime()));
}

/**
 * Delay before retry number `attempt` (1-based) after a failure: doubling from BACKOFF_MIN_MS up to
 * BACKOFF_MAX_MS, "full jitter" in the upper half, and never later than shortly before expiry.
 */
export function backoffDelayMs(attempt: number, v: Validity, now: Date, random: () => number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, Math.min(30, attempt - 1)));
  const d = Math.round(base / 2 + (random() * base) / 2);
  const untilExpiry = v.notAfter.getTime() - now.getTime();
  // Near expiry, keep trying at the minimum interval rather than sleeping past it.
  return untilExpiry > 0 && d > untilExpiry / 2 ? Math.max(BACKOFF_MIN_MS / 2, Math.round(untilExpiry / 2)) : d;
}

/** Server codes after which retrying the same certificate can never succeed. */
export const TERMINAL_RENEW_CODES: ReadonlySet<string> = new Set([
  'certificate_revoked',
  'certificate_expired',
  // Renewed already by someone else (a copy of this key and certificate, C26): an operator decides.
  'certificate_superseded',
  'certificate_unknown',
  'certificate_untrusted',
  'host_blocked',
  'name_mismatch',
  'file_invalid',
  // A TPM key that cannot sign with what the agent was given: retrying would only count more
  // wrong passwords towards the TPM's dictionary-attack lockout. (A lockout itself is retried: it
  // ends by itself, and the TPM does not count tries while it lasts.)
  'tpm_wrong_key_password',
  'tpm_key_password_required',
  'tpm_key_password_not_needed',
  'tpm_key_wrong_parent',
  'tpm_parent_not_found',
  'tpm_key_file_invalid',
  'tpm_key_unsupported',
]);
