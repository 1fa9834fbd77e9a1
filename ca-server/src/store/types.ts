/**
 * Records kept by a {@link CaStore}. Plain data: no SQL types leak out (dates are `Date`, binary is
 * `Uint8Array`), so a PostgreSQL store can implement the same interface.
 */
import type { AuditRecord } from '../../../common/src/audit/audit-chain.js';

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
  /**
   * Where the certificate stands in the CA's life (docs/rotation.md): `active` (part of the CA that
   * {@link CaConfigRecord} names), `next` (made by a rotation, not yet the CA), `retired` (left the
   * CA by a rotation's finish or abort; kept because leaves and CRLs reference it). Absent: active.
   */
  readonly state?: CaCertificateState | undefined;
}

export type CaCertificateState = 'active' | 'next' | 'retired';

/**
 * The CA's configuration (what `ca.json` held before the store held everything, docs/ha.md): the
 * key type and subject it was made with, and which certificates are the CA now. A rotation's finish
 * changes `rootId`/`issuerId` in the same transaction that closes the rotation.
 */
export interface CaConfigRecord {
  readonly keyType: string;
  readonly subject: string;
  /** True when an intermediate signs leaves (the root only signs intermediates and its own CRL). */
  readonly intermediate: boolean;
  readonly createdAt: Date;
  /** Id (SHA-256 of the DER) of the current root: the fingerprint clients pin. */
  readonly rootId: string;
  /** Id of the certificate that signs leaves and CRLs now (the root's id when the root issues). */
  readonly issuerId: string;
  /** PKCS#11 module given at init when the keys are on a token (`ca init --key pkcs11:… --pkcs11-lib`). */
  readonly pkcs11Module: string | null;
  /** When the last rotation finished, or null. */
  readonly rotatedAt: Date | null;
}

/**
 * A CA certificate's private key as the store keeps it: encrypted PKCS#8 PEM (scrypt + AES-256-GCM
 * with the CA passphrase, `keys/key-encryption.ts`; the store never sees the key in clear) or the
 * RFC 7512 URI of a key on a PKCS#11 token (never a PIN).
 */
export interface CaKeyRecord {
  /** Id of the CA certificate the key belongs to. */
  readonly caId: string;
  readonly kind: 'encrypted' | 'pkcs11';
  readonly value: string;
}

/** A JSON document the store keeps without interpreting it (the rotation state). */
export type StateDocument = Readonly<Record<string, unknown>>;

/** The rotation in progress: its document and the version a compare-and-set names. */
export interface RotationRecord {
  /** Starts at 1; every save adds one. */
  readonly version: number;
  readonly id: string;
  readonly state: StateDocument;
}

export interface RotationHistoryRecord {
  readonly id: string;
  readonly outcome: 'finished' | 'aborted';
  readonly endedAt: Date;
  /** The last state of the rotation. */
  readonly state: StateDocument;
}

/** A CRL kept published after its CA stopped issuing (docs/rotation.md "After finish"). */
export interface RetainedCrlRecord {
  /** Id of the CA certificate whose CRL is kept (its key stays in the store until the release). */
  readonly issuerId: string;
  readonly kind: 'retired' | 'root';
  readonly since: Date;
  readonly rotationId: string;
}

/** Everything about the CA itself, read in one snapshot. */
export interface CaState {
  /** Moves on every change of this state and of the sync targets (replicas poll it, docs/ha.md). */
  readonly version: number;
  /** Undefined until `ca init` (or the upgrade of a CA directory) stored it. */
  readonly config: CaConfigRecord | undefined;
  readonly certificates: readonly CaCertificateRecord[];
  readonly rotation: RotationRecord | undefined;
  readonly retained: readonly RetainedCrlRecord[];
}

/**
 * One atomic change of the CA's state ({@link CaStore.updateCaState}): every part is applied in one
 * transaction with the audit records, or none is. Parts are applied in the order listed here.
 */
export interface CaStateChange {
  /** `ca init`, the upgrade of a CA directory: refused (`ca_exists`) when the store holds a CA configuration. */
  readonly requireNoCa?: boolean | undefined;
  /** Inserted; a certificate already stored is left as it is. */
  readonly addCertificates?: readonly CaCertificateRecord[] | undefined;
  /** Certificate id → new state (each must be stored). */
  readonly certificateStates?: Readonly<Record<string, CaCertificateState>> | undefined;
  /** Inserted or replaced. */
  readonly putKeys?: readonly CaKeyRecord[] | undefined;
  /** Keys no longer needed (a retired CA whose CRL is not kept): deleted, so nothing can sign with them. */
  readonly deleteKeys?: readonly string[] | undefined;
  readonly config?: CaConfigRecord | undefined;
  /**
   * Compare-and-set of the rotation document: applied only when the stored rotation's version is
   * `expectVersion` (0: no rotation), else `store_state_conflict` and nothing is changed. `state`
   * replaces the document (its `id` names the rotation); with `close`, the document goes to the
   * history instead and no rotation is in progress afterwards.
   */
  readonly rotation?:
    | {
        readonly expectVersion: number;
        readonly state: StateDocument;
        readonly close?: { readonly outcome: 'finished' | 'aborted'; readonly at: Date } | undefined;
      }
    | undefined;
  /** Inserted; one already kept is left as it is. */
  readonly addRetained?: readonly RetainedCrlRecord[] | undefined;
  /** No longer kept: the entry and its CRL slots are deleted. */
  readonly removeRetained?: readonly string[] | undefined;
  /** Every row of these CRL slots (the next CA's, after an abort or a handover). */
  readonly deleteCrlSlots?: readonly string[] | undefined;
  /** `ca init`: the first admin token, in the same transaction as the CA. */
  readonly adminTokens?: readonly NewAdminTokenRecord[] | undefined;
  /** Trust anchors to register (one already registered is left as it is): the upgrade of a CA directory. */
  readonly syncTargets?: readonly SyncTargetRecord[] | undefined;
  /** CRL slot rows, written as given (after `syncTargets`). */
  readonly crlSlots?: readonly CrlSlotRecord[] | undefined;
  /** Rotations that ended (one already in the history is left as it is): the upgrade of a CA directory. */
  readonly rotationHistory?: readonly RotationHistoryRecord[] | undefined;
  readonly audit?: readonly AuditDraft[] | undefined;
}

/** Versions after a {@link CaStore.updateCaState}. */
export interface CaStateVersions {
  readonly version: number;
  /** The rotation document's version (0 when no rotation is in progress). */
  readonly rotationVersion: number;
}

/**
 * A Roles Anywhere trust anchor the CA pushes its CRLs to (docs/aws.md). Registering one and
 * removing it are audited; what was pushed lives in its {@link CrlSlotRecord}s.
 */
export interface SyncTargetRecord {
  /** First 16 hex of SHA-256(region, endpoint, trust anchor ARN) (`sync/target-store.ts`). */
  readonly id: string;
  readonly trustAnchorArn: string;
  readonly region: string;
  /** Custom control-plane endpoint (the emulator); null for AWS itself. */
  readonly endpoint: string | null;
  readonly createdAt: Date;
}

/**
 * Names of CRL slots: the CA's own CRL in every trust anchor, the next CA's during a rotation, and
 * one per kept CRL (docs/rotation.md). A trust anchor takes two CRLs; which CRL fills which of its
 * two is the rotation's business, the store only keeps what was pushed under each name.
 */
export const CRL_SLOTS = {
  primary: 'primary',
  next: 'next',
  retained: (issuerId: string): string => `retained:${issuerId}`,
} as const;

/** What the CA last confirmed (read back) in one CRL slot of one trust anchor. */
export interface CrlSlotRecord {
  readonly slot: string;
  readonly targetId: string;
  /** The CRL resource in Roles Anywhere; null until the first import (or after it was lost). */
  readonly crlArn: string | null;
  /** CRL number confirmed by read-back (decimal: CRL numbers go up to 20 octets). */
  readonly pushedNumber: string | null;
  /** SHA-256 hex of the PEM confirmed by read-back. */
  readonly pushedSha256: string | null;
  readonly lastSuccessAt: Date | null;
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
