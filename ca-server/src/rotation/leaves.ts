/**
 * The leaves a rotation waits for: still valid (not revoked, not expired) certificates of the CA
 * that is leaving, that have not been renewed. `finish` (and the second `abort`) may remove that
 * CA from Roles Anywhere only when none is left (so no host loses access), as each would fail CreateSession
 * the moment its issuer leaves the trust-anchor bundle.
 */
import type { CaStore } from '../store/ca-store.js';
import type { CertificateRecord } from '../store/types.js';

export interface LeafSummary {
  readonly serial: string;
  readonly host: string;
  readonly issuerId: string;
  readonly notAfter: Date;
  readonly certTtlSeconds: number;
}

export interface ActiveLeaves {
  /** Every active leaf (any issuer). */
  readonly all: readonly LeafSummary[];
  /** Serials some active leaf was renewed from. */
  readonly renewed: ReadonlySet<string>;
}

const PAGE = 500;

/** Reads every active leaf from the inventory (paginated). */
export async function activeLeaves(store: CaStore, now: Date): Promise<ActiveLeaves> {
  const all: LeafSummary[] = [];
  const renewed = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await store.listCertificates({ status: 'active', now, cursor, limit: PAGE });
    for (const c of page.items as readonly CertificateRecord[]) {
      all.push({ serial: c.serial, host: c.host, issuerId: c.issuerId, notAfter: c.notAfter, certTtlSeconds: c.certTtlSeconds });
      if (c.renewedFrom) renewed.add(c.renewedFrom);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { all, renewed };
}

/** Leaves of `issuerId` still valid and not renewed, latest expiry first. */
export function pendingLeaves(leaves: ActiveLeaves, issuerId: string): LeafSummary[] {
  return leaves.all.filter((l) => l.issuerId === issuerId && !leaves.renewed.has(l.serial)).sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime());
}

/**
 * When the last unexpired certificate `issuerId` signed expires (valid or revoked), or undefined
 * when none is left: until then that issuer's CRL must stay in Roles Anywhere wherever a
 * certificate it chains to is trusted (docs/rotation.md "After finish").
 */
export async function lastExpiryOf(store: CaStore, issuerId: string, now: Date, leaves?: ActiveLeaves): Promise<Date | undefined> {
  const active = leaves ?? (await activeLeaves(store, now));
  let last = 0;
  for (const l of active.all) if (l.issuerId === issuerId) last = Math.max(last, l.notAfter.getTime());
  for (const r of await store.listRevokedUnexpired(issuerId, now)) last = Math.max(last, r.notAfter.getTime());
  return last > now.getTime() ? new Date(last) : undefined;
}
