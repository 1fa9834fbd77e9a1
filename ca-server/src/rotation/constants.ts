/**
 * Protocol constants of CA rotation (docs/rotation.md): where its files live in the CA directory,
 * its phases, and the limits the admin API enforces.
 *
 * Why a second CA lives next to the first and not in place: Roles Anywhere takes at most two
 * certificates per trust-anchor bundle and two CRLs per trust anchor (ca-landscape.md §1.2), so a
 * rotation is "old + new side by side, then old out"; the old CA stays the one on disk (and the
 * one the server's TLS certificate chains to) until `finish`, so hosts that pinned it keep working.
 */
export const ROTATION_DIR = 'rotation';
export const ROTATION_STATE_FILE = 'state.json';
export const ROTATION_NEXT_DIR = 'next';
export const ROTATION_HISTORY_DIR = 'history';
/** Per-target CRL slot of the NEW CA (the old CA keeps `aws-sync-targets.json`). */
export const ROTATION_SLOT_FILE = 'aws-sync-next.json';
/** CRLs kept after their CA stopped issuing (a retired intermediate's, the root's): `retained-crls.ts`. */
export const ROTATION_RETAINED_FILE = 'retained.json';
/** Per-target CRL slot of one kept CRL (same format as {@link ROTATION_SLOT_FILE}). */
export function retainedSlotFile(issuerId: string): string {
  return `crl-slots-${issuerId.slice(0, 16)}.json`;
}
/** Generation metadata; written last, so its presence means "the next CA is complete". */
export const ROTATION_META_FILE = 'meta.json';

/**
 * - `preparing`: the new CA exists or is being made and published; the OLD CA still issues.
 * - `active`: both certificates are in every bundle, both CRLs pushed; the NEW CA issues.
 * - `finishing`: removing the old certificate and CRL, then swapping files; the NEW CA issues.
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
