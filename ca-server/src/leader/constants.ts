/**
 * Timing of the leader election (docs/ha.md "Work done once"). A leader that dies is replaced
 * after at most `ttlMs + renewMs` (its last renewal expires, then the next attempt of another
 * replica takes it); a leader whose renewals fail steps down on its own `marginMs` before its
 * lease can expire in the database, so two replicas never both believe they lead.
 */
export const LEADER_DEFAULTS = Object.freeze({
  /** Lease length set at each renewal (database clock). */
  ttlMs: 3_000,
  /** How often the leader renews and the others try to take over. */
  renewMs: 500,
  /** The leader stops acting this long before its lease could expire. */
  marginMs: 1_000,
  /** How often every replica reads the newest stored CRLs (a revocation made on another replica). */
  crlPollMs: 500,
  /** How often the leader compares every CRL with the store's revoked certificates. */
  checkMs: 10_000,
});
