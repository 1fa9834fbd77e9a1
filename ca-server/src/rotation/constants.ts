/**
 * Protocol constants of CA rotation (docs/rotation.md): its phases, and the limits the admin API
 * enforces.
 *
 * Why a second CA lives next to the first and not in place: Roles Anywhere takes at most two
 * certificates per trust-anchor bundle and two CRLs per trust anchor (User Guide, "Quotas"), so a
 * rotation is "old + new side by side, then old out"; the old CA stays the CA (and the one the
 * server's TLS certificate chains to) until `finish`, so hosts that pinned it keep working.
 */

/**
 * - `preparing`: the new CA exists or is being made and published; the OLD CA still issues.
 * - `active`: both certificates are in every bundle, both CRLs pushed; the NEW CA issues.
 * - `finishing`: removing the old certificate and CRL, then the new CA becomes the CA; the NEW CA issues.
 * - `aborting`: back to the OLD CA for issuance; the new one leaves once its leaves are gone.
 */
export const ROTATION_PHASES = ['preparing', 'active', 'finishing', 'aborting'] as const;
export type RotationPhase = (typeof ROTATION_PHASES)[number];

/** How long `start` waits for the new CA's first CRL to reach every trust anchor before answering "pending". */
export const CRL_PUBLISH_WAIT_MS = 30_000;
/**
 * Reason recorded when an emergency rotation revokes every leaf of the old CA, and the old
 * intermediate itself in the root's CRL (RFC 5280 §5.3.1).
 */
export const EMERGENCY_REASON = 'cACompromise';
/**
 * Reason for a retired intermediate that an emergency rotation also revokes in the root's CRL, to
 * free its CRL slot in every trust anchor (RFC 5280 §5.3.1 "superseded"; it was not compromised).
 */
export const SUPERSEDED_REASON = 'superseded';
/** Safety margin added to the overlap: clock skew and the CRL/RA propagation delay. */
export const OVERLAP_MARGIN_SECONDS = 300;

/**
 * How often a replica looks at the store for a change of the CA's state made elsewhere (a rotation
 * step, a trust anchor registered): it then applies it within this bound plus one read
 * (docs/ha.md "Replicas").
 */
export const STATE_POLL_MS = 2_000;
