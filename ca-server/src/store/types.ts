/**
 * Records kept by a {@link CaStore}. Plain data: no SQL types leak out (dates are `Date`, binary is
 * `Uint8Array`), so a PostgreSQL store can implement the same interface.
 */
import type { AuditRecord } from '../authority/audit-chain.js';

export type { AuditRecord };

/** Stored status; "expired" is derived from `notAfter` at read time. */
export type StoredCertStatus = 'valid' | 'revoked';
/**
 * Status as shown by the inventory. `superseded`: not revoked, not expired, but renewed (a newer
 * certificate names it in `renewedFrom`); it still works with Roles Anywhere until it expires, but
 * it cannot be renewed again (`certificate_superseded`).
 */
export type CertStatus = 'active' | 'revoked' | 'expired' | 'superseded';
/** Every {@link CertStatus}, in the order docs/ca-api.md lists them (API and CLI validate against it). */
export const CERT_STATUSES = ['active', 'superseded', 'revoked', 'expired'] as const satisfies readonly CertStatus[];
/** Statuses a store query filters on; `active` there means unrevoked and unexpired, renewed or not. */
export type StoredCertQueryStatus = 'active' | 'revoked' | 'expired';

export interface CertificateRecord {
  /** Canonical serial hex (see authority/serial.ts). */
  readonly serial: string;
  /** Host = the token subject (the CN). */
  readonly host: string;
  /** RFC 4514 subject DN. */
  readonly subject: string;
  /** SANs as `type:value`. */
  readonly sans: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly status: StoredCertStatus;
  readonly revokedAt: Date | null;
  readonly reason: string | null;
  /** SHA-256 hex of the DER. */
  readonly fingerprint: string;
  readonly der: Uint8Array;
  /** Id (fingerprint) of the issuing CA certificate. */
  readonly issuerId: string;
  readonly renewedFrom: string | null;
  /**
   * Serial of the newest certificate renewed from this one, or null; filled by
   * {@link CaStore.listCertificates} only (undefined elsewhere = not looked up).
   */
  readonly renewedBy?: string | null | undefined;
  readonly issuedAt: Date;
  /** Lifetime granted by the enrollment token; renewals keep it. */
  readonly certTtlSeconds: number;
}

export interface TokenRecord {
  /** SHA-256 hex of the token string. */
  readonly hash: string;
  readonly subject: string;
  readonly sans: readonly string[];
  readonly certTtlSeconds: number;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly createdBy: string;
}

export type AdminRole = 'admin' | 'operator';

/** What is stored when an admin token is created. */
export interface NewAdminTokenRecord {
  readonly hash: string;
  readonly role: AdminRole;
  readonly name: string;
  readonly createdAt: Date;
  /** Null or absent: the token does not expire. */
  readonly expiresAt?: Date | null | undefined;
}

export interface AdminTokenRecord extends NewAdminTokenRecord {
  /** Public handle: the first 16 hex digits of `hash` ({@link adminTokenId}); safe to show and log. */
  readonly id: string;
  readonly expiresAt: Date | null;
  /** Last successful authentication, recorded at most once a minute. */
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

/** The public id of an admin token: the prefix of its SHA-256 that audit records call `tokenId`. */
export function adminTokenId(hash: string): string {
  return hash.slice(0, 16);
}

export interface CrlRecord {
  readonly issuerId: string;
  /** CRL number (RFC 5280 §5.2.3), strictly increasing per issuer. */
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly der: Uint8Array;
}

export interface CaCertificateRecord {
  /** SHA-256 hex of the DER; also the issuer id of what it signs. */
  readonly id: string;
  readonly role: 'root' | 'intermediate';
  readonly der: Uint8Array;
  readonly notAfter: Date;
  /** True for the certificate that signs leaves and CRLs. */
  readonly issuing: boolean;
  /**
   * Set when the CA certificate was revoked (an emergency rotation revokes the compromised
   * intermediate, docs/rotation.md); the CRL of its issuer (the root) then lists it. Absent or
   * null: not revoked.
   */
  readonly revokedAt?: Date | null | undefined;
  /** RFC 5280 §5.3.1 reason name of that revocation. */
  readonly reason?: string | null | undefined;
}

/** An audit record before the store numbers and chains it. */
export interface AuditDraft {
  readonly time: Date;
  readonly actor: string;
  readonly action: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A revoked, not yet expired entry for the CRL. */
export interface RevokedEntry {
  readonly serial: string;
  readonly revokedAt: Date;
  readonly reason: string | null;
  readonly notAfter: Date;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; undefined when there is no further page. */
  readonly nextCursor: string | undefined;
}

export interface CertificateQuery {
  readonly host?: string | undefined;
  readonly status?: StoredCertQueryStatus | undefined;
  /** true: only certificates some renewal names in `renewedFrom`; false: only those none names. */
  readonly superseded?: boolean | undefined;
  readonly now: Date;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

/**
 * A signed-in console session (`ca-server/src/ui/`, docs/console.md). Only the SHA-256 of the
 * session id is stored, like every other bearer secret; the admin token that signed in is named
 * by its public id, so the token's own state (revoked, expired) is checked on every request.
 */
export interface UiSessionRecord {
  /** SHA-256 hex of the session id (the cookie value). */
  readonly idHash: string;
  /** Public id of the admin token that signed in ({@link adminTokenId}). */
  readonly adminTokenId: string;
  readonly createdAt: Date;
  /** Last request seen (written at most every few seconds). */
  readonly lastSeenAt: Date;
  /** When the session ends unless used again: `lastSeenAt` + idle timeout, never after `expiresAt`. */
  readonly idleExpiresAt: Date;
  /** Absolute end, whatever the use. */
  readonly expiresAt: Date;
}

/** Order of {@link CaStore.searchCertificates}: newest issued first, or by `notAfter` either way. */
export type CertificateSort = 'newest' | 'expiry_asc' | 'expiry_desc';

/** The console's certificate search. Name and serial criteria are alternatives (OR); the rest narrows (AND). */
export interface CertificateSearch {
  readonly now: Date;
  /** Lower-case prefix of the host or of a SAN value (`web-1`, `web-1.example`, `10.0.0.7`). */
  readonly namePrefix?: string | undefined;
  /** Canonical serials (authority/serial.ts) the certificate may have. */
  readonly serials?: readonly string[] | undefined;
  readonly status?: CertStatus | undefined;
  readonly issuerId?: string | undefined;
  readonly sort: CertificateSort;
  /** Opaque, from the previous page with the same sort. */
  readonly cursor?: string | undefined;
  readonly limit: number;
}

/** Counts for the console's overview. */
export interface CertificateStats {
  readonly active: number;
  readonly expired: number;
  readonly revoked: number;
  /** `expiring[i]`: unrevoked certificates with `edges[i] < notAfter <= edges[i + 1]`. */
  readonly expiring: readonly number[];
}

/** The console's audit filter; records come newest first. */
export interface AuditQuery {
  /** This action exactly (`certificate.revoke`). */
  readonly action?: string | undefined;
  /** Actors starting with this (`admin:alice`). */
  readonly actorPrefix?: string | undefined;
  /** time >= since. */
  readonly since?: Date | undefined;
  /** time < until. */
  readonly until?: Date | undefined;
  /** Only records with seq < beforeSeq (the next page). */
  readonly beforeSeq?: number | undefined;
  readonly limit: number;
}
