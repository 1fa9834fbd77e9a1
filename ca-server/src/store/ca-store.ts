/**
 * Persistence interface of the CA.
 *
 * Why shaped like this: every state change is one method = one transaction that also appends its
 * audit record (fail-closed audit: if the audit insert fails, the whole change rolls back). Methods
 * are async so that a PostgreSQL implementation fits the same interface; nothing SQL-specific
 * crosses it. Invariants that need atomicity (single-use tokens, monotonic CRL numbers) are checked
 * inside the store's transaction, not by the caller (compare step-ca `db.AuthDB.UseToken`).
 *
 * The contract holds with concurrent writers (several processes on one SQLite file, several
 * replicas on one PostgreSQL database) and is tested against every backend by one suite
 * (test/ca-server/store/contract.ts): a token is consumed once; the last usable admin token cannot
 * be revoked; a certificate has at most one successor (a unique index); the audit chain has one head
 * (no fork); CRL numbers come from {@link CaStore.allocateCrlNumber} and never go backwards; a
 * revoked host gets no certificate once the revocation has committed; a rotation's state changes by
 * compare-and-set only (a transition is applied once); what was pushed into a CRL slot never goes
 * backwards.
 *
 * Everything mutable about the CA lives behind this interface (docs/ha.md): its configuration and
 * keys (encrypted as in the files they came from), the rotation state and history, the kept CRLs,
 * the CRL sync targets and what was pushed to them. A CA directory holds only node-local files
 * (the server's TLS certificate, the serve lock, a copy of the root for distribution).
 */
import type { SnapshotChunk, SnapshotCounts, SnapshotReader } from './snapshot.js';
import type {
  AdminTokenRecord,
  AuditDraft,
  AuditQuery,
  AuditRecord,
  CaCertificateRecord,
  CaKeyRecord,
  CaState,
  CaStateChange,
  CaStateVersions,
  CertificateQuery,
  CertificateRecord,
  CertificateSearch,
  CertificateStats,
  CrlRecord,
  NewAdminTokenRecord,
  Page,
  CrlSlotRecord,
  RevokedEntry,
  RotationHistoryRecord,
  SyncTargetRecord,
  TokenRecord,
  UiSessionRecord,
} from './types.js';

/** An audit record, or one built from the result of the operation it records. */
export type AuditSpec<R> = AuditDraft | ((result: R) => AuditDraft);

export interface CaStore {
  /** Cheap round trip for `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // --- CA certificates
  getCaCertificates(): Promise<readonly CaCertificateRecord[]>;
  /**
   * With `requireEmpty` (`ca init`): atomically, only into a store that holds no CA certificate yet
   * (`ca_exists` otherwise), so two inits racing on one database cannot both create a CA.
   */
  putCaCertificates(certs: readonly CaCertificateRecord[], audit: AuditDraft, opts?: { readonly requireEmpty?: boolean }): Promise<void>;
  /**
   * Atomically: the CA certificate exists (`certificate_not_found`) and is not revoked
   * (`already_revoked`); then record its revocation and audit. Returns the updated record.
   * Used by an emergency rotation to revoke a compromised intermediate (docs/rotation.md).
   */
  revokeCaCertificate(args: { id: string; revokedAt: Date; reason: string; audit: AuditDraft }): Promise<CaCertificateRecord>;

  // --- the CA itself: configuration, keys, rotation, kept CRLs (docs/ha.md, docs/rotation.md)
  /** Configuration, CA certificates, the rotation in progress and the kept CRLs, from one snapshot. */
  getCaState(): Promise<CaState>;
  /** Cheap: {@link CaState.version}, which moves on every change of the CA's state or sync targets (replicas poll it). */
  getCaStateVersion(): Promise<number>;
  /** The key of a CA certificate (encrypted, or a PKCS#11 URI); undefined once it was deleted. */
  getCaKey(caId: string): Promise<CaKeyRecord | undefined>;
  /** One atomic change (see {@link CaStateChange}); `store_state_conflict` when the rotation compare-and-set fails. */
  updateCaState(change: CaStateChange): Promise<CaStateVersions>;
  /** Rotations that ended, oldest first. */
  listRotationHistory(): Promise<readonly RotationHistoryRecord[]>;

  // --- CRL sync targets and what was pushed to them (docs/aws.md)
  listSyncTargets(): Promise<readonly SyncTargetRecord[]>;
  /** Registers a trust anchor (audited); false, and nothing audited, when it was registered already. */
  putSyncTarget(target: SyncTargetRecord, audit: AuditDraft): Promise<boolean>;
  /** Removes a trust anchor and its CRL slots (audited); false when there was none. */
  removeSyncTarget(id: string, audit: AuditDraft): Promise<boolean>;
  /** Slot rows, of one slot or of all. */
  listCrlSlots(slot?: string): Promise<readonly CrlSlotRecord[]>;
  /**
   * Records what was pushed into a slot. `forward`: refused (returns `applied: false` and the stored
   * row) when the stored CRL number is greater than the new one, so the push state never goes
   * backwards whichever replica writes last; `replace`: written as given (a slot handed to another
   * CRL). Undefined when the trust anchor is not registered (any more).
   */
  saveCrlSlot(rec: CrlSlotRecord, mode: 'forward' | 'replace'): Promise<{ readonly applied: boolean; readonly slot: CrlSlotRecord } | undefined>;
  /** Deletes a slot's row for one trust anchor, or every row of the slot. */
  deleteCrlSlots(slot: string, targetId?: string): Promise<void>;

  // --- admin tokens
  findAdminToken(hash: string): Promise<AdminTokenRecord | undefined>;
  createAdminToken(rec: NewAdminTokenRecord, audit: AuditDraft): Promise<void>;
  /** Every admin token, revoked and expired included, oldest first. */
  listAdminTokens(): Promise<readonly AdminTokenRecord[]>;
  /**
   * Atomically: the token exists (`admin_token_not_found`), is not revoked (`admin_token_revoked`),
   * and is not the last usable admin-role token at `revokedAt` (`last_admin_token`); then revoke
   * and audit. Returns the updated record.
   */
  revokeAdminToken(args: { id: string; revokedAt: Date; revokedBy: string; audit: AuditSpec<AdminTokenRecord> }): Promise<AdminTokenRecord>;
  /** Records a use unless one was recorded less than `minIntervalMs` before `now` (no audit: not a change of authority). */
  touchAdminToken(id: string, now: Date, minIntervalMs: number): Promise<void>;

  // --- enrollment tokens
  findToken(hash: string): Promise<TokenRecord | undefined>;
  createToken(rec: TokenRecord, audit: AuditDraft): Promise<void>;

  // --- certificates
  getCertificate(serial: string): Promise<CertificateRecord | undefined>;
  /** Newest first; every record carries `renewedBy` (the serial renewed from it, or null). */
  listCertificates(q: CertificateQuery): Promise<Page<CertificateRecord>>;
  /**
   * Atomically: consume the token (unused and unexpired at `now`, else `token_used` /
   * `token_expired`), refuse a blocked host (`host_blocked`), insert the certificate, audit.
   */
  issueWithToken(args: { tokenHash: string; now: Date; certificate: CertificateRecord; audit: AuditDraft }): Promise<void>;
  /** Atomically: the old certificate is still valid and the host not blocked, insert the new one, audit. */
  recordRenewal(args: { oldSerial: string; now: Date; certificate: CertificateRecord; audit: AuditDraft }): Promise<void>;
  /**
   * The certificate issued by renewing `serial` (the latest one if an old file holds several), or
   * undefined. A renewal of an already renewed certificate is refused (`certificate_superseded`).
   */
  findRenewalOf(serial: string): Promise<CertificateRecord | undefined>;
  /** `certificate_not_found` / `already_revoked`; returns the updated record. */
  revokeCertificate(args: { serial: string; revokedAt: Date; reason: string | null; audit: AuditSpec<CertificateRecord> }): Promise<CertificateRecord>;
  /** Revokes every valid certificate of the host and blocks it; returns the revoked serials. */
  revokeHost(args: { host: string; revokedAt: Date; reason: string | null; audit: AuditSpec<readonly string[]> }): Promise<readonly string[]>;
  /** False if the host was not blocked (nothing audited then). */
  unblockHost(args: { host: string; audit: AuditDraft }): Promise<boolean>;
  isHostBlocked(host: string): Promise<boolean>;

  // --- CRL
  /**
   * A CRL number for the issuer that no other caller ever gets, greater than every number allocated
   * or stored before (RFC 5280 §5.2.3: increasing; gaps are allowed). Durable when it resolves.
   */
  allocateCrlNumber(issuerId: string): Promise<number>;
  /** Revoked certificates of an issuer that have not expired at `now`. */
  listRevokedUnexpired(issuerId: string, now: Date): Promise<readonly RevokedEntry[]>;
  getCrl(issuerId: string): Promise<CrlRecord | undefined>;
  /**
   * Stores a CRL whose number must be greater than the stored one (else throws; nothing stored).
   * The last {@link CRL_HISTORY_KEEP} CRLs of each issuer stay readable by number.
   */
  saveCrl(crl: CrlRecord, audit: AuditDraft | undefined): Promise<void>;
  /** A CRL by its number (the same bytes on every replica), while it is among the last kept. */
  getCrlByNumber(issuerId: string, number: number): Promise<CrlRecord | undefined>;

  // --- audit
  appendAudit(draft: AuditDraft): Promise<AuditRecord>;
  /** Records with seq > afterSeq, oldest first. */
  listAudit(afterSeq: number, limit: number): Promise<readonly AuditRecord[]>;
  /** Records matching the filter, newest first (the console's audit page). */
  searchAudit(q: AuditQuery): Promise<readonly AuditRecord[]>;

  // --- console (ca-server/src/ui/, docs/console.md): reads for its pages, and its sessions
  /**
   * A page of certificates matching the search, in the asked order, by keyset pagination (the
   * cursor holds the sort key of the last row), so page N costs what page 1 costs.
   */
  searchCertificates(q: CertificateSearch): Promise<Page<CertificateRecord>>;
  /** Certificates by status at `now`, and unrevoked ones expiring between consecutive `edges`. */
  certificateStats(now: Date, edges: readonly Date[]): Promise<CertificateStats>;
  /** Stores a new session and audits the sign-in; sessions ended at `rec.createdAt` are deleted in the same transaction. */
  createUiSession(rec: UiSessionRecord, audit: AuditDraft): Promise<void>;
  /** The session and the admin token that opened it (whatever their state: the caller decides). */
  findUiSession(idHash: string): Promise<{ session: UiSessionRecord; adminToken: AdminTokenRecord } | undefined>;
  /** Records use: moves the idle end (no audit: not a change of authority). */
  touchUiSession(idHash: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void>;
  /** Deletes a session; false when there was none (nothing audited then). */
  deleteUiSession(idHash: string, audit: AuditDraft | undefined): Promise<boolean>;

  // --- moving and keeping the whole state (`ca backup`/`restore`, `ca migrate-store`; store/snapshot.ts)
  /** Every row of every snapshot table, table by table, from one consistent snapshot. */
  exportSnapshot(sink: (chunk: SnapshotChunk) => Promise<void>): Promise<void>;
  /**
   * Loads a snapshot into this store, which must hold no CA state (`store_not_empty`), in one
   * transaction; `verify` runs inside it before the commit (a throw leaves the store empty).
   */
  importSnapshot(source: AsyncIterable<SnapshotChunk>, verify: (r: SnapshotReader) => Promise<void>): Promise<SnapshotCounts>;
}

/** CRLs of each issuer kept readable by number ({@link CaStore.getCrlByNumber}). */
export const CRL_HISTORY_KEEP = 100;
