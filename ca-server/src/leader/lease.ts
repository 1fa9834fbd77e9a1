/**
 * The seam between the leader election (`elector.ts`) and the database that arbitrates it
 * (docs/ha.md "Work done once"): a lease row with an expiry in the database's own clock, and the
 * fenced claim that every CRL push makes before it calls Roles Anywhere.
 */

/** One push to fence: which CRL (issuer and number) goes into which slot of which trust anchor. */
export interface PushClaim {
  readonly slot: string;
  readonly targetId: string;
  /** Lower-case hex authority key identifier of the CRL (or SHA-256 of its issuer name). */
  readonly issuer: string;
  readonly number: bigint;
}

/** What one replica can do with the shared lease. */
export interface LeaderLease {
  /**
   * Takes the lease when it is free or expired, or renews it when this replica holds it; the
   * expiry is set `ttlMs` ahead in the database's clock (no replica's clock is trusted). Returns
   * the term held afterwards (it grows by one at every change of holder), or undefined when
   * another replica holds an unexpired lease. Rejects when the database does not answer.
   */
  acquire(ttlMs: number): Promise<number | undefined>;
  /** Gives the lease up at once (clean shutdown), if this replica still holds it in `term`. */
  release(term: number): Promise<void>;
  /**
   * Fencing: records, in one statement, that `term` pushes CRL `number` of `issuer` (its authority
   * key identifier: CRL numbers count per issuer, RFC 5280 §5.2.3, and a slot changes issuer when a
   * rotation finishes) into a slot of a trust anchor — only while this replica holds the unexpired
   * lease in `term`, and only forward (a greater number than any claimed before for this slot,
   * anchor and issuer, or the same number again in the same term: a retry). False when refused:
   * another leader, an expired lease, or a number that was claimed already by another term. So two
   * replicas never push one CRL number.
   */
  claimPush(claim: PushClaim, term: number): Promise<boolean>;
  close(): Promise<void>;
}
