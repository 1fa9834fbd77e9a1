/**
 * SQLite implementation of {@link CaStore} (better-sqlite3, WAL).
 *
 * Durability: `journal_mode=WAL` with `synchronous=FULL`, so every committed transaction is
 * fsynced to the WAL before `commit` returns — a certificate is on disk before the HTTP response
 * that carries it (a certificate is recorded durably before it is returned). NORMAL would be faster
 * but can lose the last commits on power loss, which would let a host hold a certificate the
 * inventory (and so revocation) does not know. `busy_timeout` lets a second process (an admin tool)
 * wait instead of failing at once.
 *
 * better-sqlite3 is synchronous; the async methods resolve after the statement ran, so the
 * interface stays usable for an asynchronous database.
 */
import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { caError } from '../errors.js';
import { auditRecordHash, AUDIT_GENESIS_HASH } from '../../../common/src/audit/audit-chain.js';
import { CRL_HISTORY_KEEP, type AuditSpec, type CaStore } from './ca-store.js';
import * as state from './sqlite-ca-state.js';
import {
  checkChunk,
  fromSnapshotValue,
  SNAPSHOT_CHUNK_ROWS,
  SNAPSHOT_TABLES,
  toSnapshotValue,
  type SnapshotChunk,
  type SnapshotCounts,
  type SnapshotReader,
} from './snapshot.js';
import { SQLITE_MIGRATIONS, type Migration } from './sqlite-migrations.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';
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
import { adminTokenId } from './types.js';
import {
  adminTokenFromRow,
  auditRecordFromRow,
  caCertificateFromRow,
  certFromRow,
  crlFromRow,
  decodeCursor,
  decodeSearchCursor,
  encodeCursor,
  encodeSearchCursor,
  prefixEnd,
  resolveAudit,
  tokenFromRow,
  uiSessionFromRow,
  type Row,
} from './rows.js';

/** Most operations committed together by one group commit. */
const MAX_BATCH = 256;

export interface SqliteStoreOptions {
  /** Extra migrations (tests). */
  readonly migrations?: readonly Migration[];
  readonly busyTimeoutMs?: number;
}

export class SqliteCaStore implements CaStore {
  readonly db: Database.Database;

  readonly #file: string;
  #checkpointer: WalCheckpointer | undefined;

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.#file = file;
  }

  /**
   * Moves WAL checkpoints to a worker thread (`wal-checkpointer.ts`) so that no commit of the
   * serving connection stalls on one; for `ca serve`. No-op for an in-memory database.
   */
  checkpointInBackground(intervalMs = 1000, onError?: (err: unknown) => void): void {
    if (this.#checkpointer || this.#file === ':memory:') return;
    this.#checkpointer = startWalCheckpointer(this.db, this.#file, intervalMs, onError);
  }

  /** Opens (creating if needed) the database file and applies pending migrations. */
  static open(file: string, opts: SqliteStoreOptions = {}): SqliteCaStore {
    if (file !== ':memory:') {
      // SQLite creates files with the process umask; the -wal/-shm files copy the database's mode.
      closeSync(openSync(file, 'a', 0o600));
      chmodSync(file, 0o600);
    }
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
      db.pragma('foreign_keys = ON');
      migrate(db, opts.migrations ?? SQLITE_MIGRATIONS);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteCaStore(db, file);
  }

  /** Applied migration versions (tests, diagnostics). */
  schemaVersions(): number[] {
    return (this.#stmt('SELECT version FROM schema_migrations ORDER BY version').all() as Row[]).map((r) => Number(r.version));
  }

  async ping(): Promise<void> {
    this.#stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    if (this.db.open) this.db.close();
  }

  // --- CA certificates

  async getCaCertificates(): Promise<readonly CaCertificateRecord[]> {
    return (this.#stmt('SELECT * FROM ca_certificates ORDER BY role DESC').all() as Row[]).map(caCertificateFromRow);
  }

  async revokeCaCertificate(args: { id: string; revokedAt: Date; reason: string; audit: AuditDraft }): Promise<CaCertificateRecord> {
    return this.tx(() => {
      const r = this.#stmt('SELECT * FROM ca_certificates WHERE id = ?').get(args.id) as Row | undefined;
      if (!r) throw caError('certificate_not_found');
      if (r.revoked_at !== null && r.revoked_at !== undefined) throw caError('already_revoked');
      this.#stmt('UPDATE ca_certificates SET revoked_at = ?, reason = ? WHERE id = ?').run(args.revokedAt.getTime(), args.reason, args.id);
      state.bumpVersion(this.#ops);
      this.appendAuditSync(args.audit);
      return caCertificateFromRow(this.#stmt('SELECT * FROM ca_certificates WHERE id = ?').get(args.id) as Row);
    });
  }

  async putCaCertificates(certs: readonly CaCertificateRecord[], audit: AuditDraft, opts: { readonly requireEmpty?: boolean } = {}): Promise<void> {
    const ins = this.#stmt('INSERT INTO ca_certificates (id, role, der, not_after, issuing, state) VALUES (?, ?, ?, ?, ?, ?)');
    await this.tx(() => {
      if (opts.requireEmpty && this.#stmt('SELECT 1 FROM ca_certificates LIMIT 1').get())
        throw caError('ca_exists', `The store ${this.#file} already holds a CA.`);
      for (const c of certs) ins.run(c.id, c.role, Buffer.from(c.der), c.notAfter.getTime(), c.issuing ? 1 : 0, c.state ?? 'active');
      state.bumpVersion(this.#ops);
      this.appendAuditSync(audit);
    });
  }

  // --- the CA itself

  async getCaState(): Promise<CaState> {
    return this.db.transaction(() => state.readCaState(this.#ops))();
  }

  async getCaStateVersion(): Promise<number> {
    return state.readCaStateVersion(this.#ops);
  }

  async getCaKey(caId: string): Promise<CaKeyRecord | undefined> {
    return state.readCaKey(this.#ops, caId);
  }

  async updateCaState(change: CaStateChange): Promise<CaStateVersions> {
    return this.tx(() => state.applyCaStateChange(this.#ops, change));
  }

  async listRotationHistory(): Promise<readonly RotationHistoryRecord[]> {
    return state.readRotationHistory(this.#ops);
  }

  // --- CRL sync targets

  async listSyncTargets(): Promise<readonly SyncTargetRecord[]> {
    return state.listSyncTargets(this.#ops);
  }

  async putSyncTarget(target: SyncTargetRecord, audit: AuditDraft): Promise<boolean> {
    return this.tx(() => state.putSyncTarget(this.#ops, target, audit));
  }

  async removeSyncTarget(id: string, audit: AuditDraft): Promise<boolean> {
    return this.tx(() => state.removeSyncTarget(this.#ops, id, audit));
  }

  async listCrlSlots(slot?: string): Promise<readonly CrlSlotRecord[]> {
    return state.listCrlSlots(this.#ops, slot);
  }

  async saveCrlSlot(rec: CrlSlotRecord, mode: 'forward' | 'replace'): Promise<{ readonly applied: boolean; readonly slot: CrlSlotRecord } | undefined> {
    return this.tx(() => state.saveCrlSlot(this.#ops, rec, mode));
  }

  async deleteCrlSlots(slot: string, targetId?: string): Promise<void> {
    await this.tx(() => state.deleteCrlSlots(this.#ops, slot, targetId));
  }

  readonly #ops: state.SqliteStateOps = {
    stmt: (sql) => this.#stmt(sql),
    audit: (d) => void this.appendAuditSync(d),
  };

  // --- admin tokens

  async findAdminToken(hash: string): Promise<AdminTokenRecord | undefined> {
    const r = this.#stmt('SELECT * FROM admin_tokens WHERE hash = ?').get(hash) as Row | undefined;
    return r ? adminTokenFromRow(r) : undefined;
  }

  async createAdminToken(rec: NewAdminTokenRecord, audit: AuditDraft): Promise<void> {
    const ins = this.#stmt('INSERT INTO admin_tokens (hash, id, role, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
    await this.tx(() => {
      ins.run(rec.hash, adminTokenId(rec.hash), rec.role, rec.name, rec.createdAt.getTime(), rec.expiresAt ? rec.expiresAt.getTime() : null);
      this.appendAuditSync(audit);
    });
  }

  async listAdminTokens(): Promise<readonly AdminTokenRecord[]> {
    return (this.#stmt('SELECT * FROM admin_tokens ORDER BY created_at, id').all() as Row[]).map(adminTokenFromRow);
  }

  async revokeAdminToken(args: { id: string; revokedAt: Date; revokedBy: string; audit: AuditSpec<AdminTokenRecord> }): Promise<AdminTokenRecord> {
    return this.tx(() => {
      const get = this.#stmt('SELECT * FROM admin_tokens WHERE id = ?');
      const r = get.get(args.id) as Row | undefined;
      if (!r) throw caError('admin_token_not_found');
      if (r.revoked_at !== null) throw caError('admin_token_revoked');
      const at = args.revokedAt.getTime();
      if (r.role === 'admin' && (r.expires_at === null || Number(r.expires_at) > at)) {
        // Lock-out protection, checked in the same transaction as the update.
        const others = this.#stmt(
          "SELECT COUNT(*) AS n FROM admin_tokens WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND id != ?",
        ).get(at, args.id) as Row;
        if (Number(others.n) === 0) throw caError('last_admin_token');
      }
      this.#stmt('UPDATE admin_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?').run(at, args.revokedBy, args.id);
      const rec = adminTokenFromRow(get.get(args.id) as Row);
      this.appendAuditSync(resolveAudit(args.audit, rec));
      return rec;
    });
  }

  async touchAdminToken(id: string, now: Date, minIntervalMs: number): Promise<void> {
    const t = now.getTime();
    await this.tx(() => {
      this.#stmt('UPDATE admin_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)').run(t, id, t - minIntervalMs);
    });
  }

  // --- enrollment tokens

  async findToken(hash: string): Promise<TokenRecord | undefined> {
    const r = this.#stmt('SELECT * FROM tokens WHERE hash = ?').get(hash) as Row | undefined;
    return r ? tokenFromRow(r) : undefined;
  }

  async createToken(rec: TokenRecord, audit: AuditDraft): Promise<void> {
    const ins = this.#stmt(
      'INSERT INTO tokens (hash, subject, sans, cert_ttl_seconds, created_at, expires_at, used_at, created_by) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)',
    );
    await this.tx(() => {
      ins.run(rec.hash, rec.subject, JSON.stringify(rec.sans), rec.certTtlSeconds, rec.createdAt.getTime(), rec.expiresAt.getTime(), rec.createdBy);
      this.appendAuditSync(audit);
    });
  }

  // --- certificates

  async getCertificate(serial: string): Promise<CertificateRecord | undefined> {
    const r = this.#stmt('SELECT * FROM certificates WHERE serial = ?').get(serial) as Row | undefined;
    return r ? certFromRow(r) : undefined;
  }

  async listCertificates(q: CertificateQuery): Promise<Page<CertificateRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.host !== undefined) {
      where.push('c.host = ?');
      params.push(q.host);
    }
    if (q.status === 'revoked') where.push("c.status = 'revoked'");
    else if (q.status === 'active') {
      where.push("c.status = 'valid' AND c.not_after > ?");
      params.push(q.now.getTime());
    } else if (q.status === 'expired') {
      where.push("c.status = 'valid' AND c.not_after <= ?");
      params.push(q.now.getTime());
    }
    // certificates_renewed_from (migration 3) makes both lookups an index probe per row.
    if (q.superseded !== undefined) where.push(`${q.superseded ? '' : 'NOT '}EXISTS (SELECT 1 FROM certificates n WHERE n.renewed_from = c.serial)`);
    if (q.cursor !== undefined) {
      const before = decodeCursor(q.cursor);
      where.push('c.seq < ?');
      params.push(before);
    }
    const renewedBy = '(SELECT n.serial FROM certificates n WHERE n.renewed_from = c.serial ORDER BY n.seq DESC LIMIT 1) AS renewed_by';
    const sql = `SELECT c.*, ${renewedBy} FROM certificates c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.seq DESC LIMIT ?`;
    params.push(q.limit + 1);
    const rows = this.#stmt(sql).all(...params) as Row[];
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ ...certFromRow(r), renewedBy: r.renewed_by === null ? null : String(r.renewed_by) })),
      nextCursor: more && last ? encodeCursor(Number(last.seq)) : undefined,
    };
  }

  async issueWithToken(args: { tokenHash: string; now: Date; certificate: CertificateRecord; audit: AuditDraft }): Promise<void> {
    const now = args.now.getTime();
    await this.tx(() => {
      const t = this.#stmt('SELECT used_at, expires_at, subject FROM tokens WHERE hash = ?').get(args.tokenHash) as Row | undefined;
      if (!t) throw caError('token_invalid');
      if (t.used_at !== null) throw caError('token_used');
      if (Number(t.expires_at) <= now) throw caError('token_expired');
      if (this.blocked(args.certificate.host)) throw caError('host_blocked');
      const upd = this.#stmt('UPDATE tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL').run(now, args.tokenHash);
      if (upd.changes !== 1) throw caError('token_used');
      this.insertCert(args.certificate);
      this.appendAuditSync(args.audit);
    });
  }

  async recordRenewal(args: { oldSerial: string; now: Date; certificate: CertificateRecord; audit: AuditDraft }): Promise<void> {
    await this.tx(() => {
      const old = this.#stmt('SELECT status, not_after, host FROM certificates WHERE serial = ?').get(args.oldSerial) as Row | undefined;
      if (!old) throw caError('certificate_unknown');
      if (old.status === 'revoked') throw caError('certificate_revoked');
      if (Number(old.not_after) <= args.now.getTime()) throw caError('certificate_expired');
      if (this.blocked(String(old.host))) throw caError('host_blocked');
      // Checked again in the storing transaction: of two concurrent renewals of one certificate,
      // only the first is stored (C26).
      if (this.#stmt('SELECT 1 FROM certificates WHERE renewed_from = ? LIMIT 1').get(args.oldSerial)) throw caError('certificate_superseded');
      // The unique index on renewed_from (migration 4) is the guarantee; the check above only names it.
      try {
        this.insertCert({ ...args.certificate, renewedFrom: args.oldSerial });
      } catch (err) {
        if (isUniqueViolation(err, 'renewed_from')) throw caError('certificate_superseded', undefined, { cause: err });
        throw err;
      }
      this.appendAuditSync(args.audit);
    });
  }

  async findRenewalOf(serial: string): Promise<CertificateRecord | undefined> {
    const r = this.#stmt('SELECT * FROM certificates WHERE renewed_from = ? ORDER BY seq DESC LIMIT 1').get(serial) as Row | undefined;
    return r ? certFromRow(r) : undefined;
  }

  async revokeCertificate(args: { serial: string; revokedAt: Date; reason: string | null; audit: AuditSpec<CertificateRecord> }): Promise<CertificateRecord> {
    return this.tx(() => {
      const r = this.#stmt('SELECT * FROM certificates WHERE serial = ?').get(args.serial) as Row | undefined;
      if (!r) throw caError('certificate_not_found');
      if (r.status === 'revoked') throw caError('already_revoked');
      this.db
        .prepare("UPDATE certificates SET status = 'revoked', revoked_at = ?, reason = ? WHERE serial = ?")
        .run(args.revokedAt.getTime(), args.reason, args.serial);
      const rec = certFromRow(this.#stmt('SELECT * FROM certificates WHERE serial = ?').get(args.serial) as Row);
      this.appendAuditSync(resolveAudit(args.audit, rec));
      return rec;
    });
  }

  async revokeHost(args: { host: string; revokedAt: Date; reason: string | null; audit: AuditSpec<readonly string[]> }): Promise<readonly string[]> {
    return this.tx(() => {
      const serials = (this.#stmt("SELECT serial FROM certificates WHERE host = ? AND status = 'valid' ORDER BY seq").all(args.host) as Row[]).map((r) =>
        String(r.serial),
      );
      this.db
        .prepare("UPDATE certificates SET status = 'revoked', revoked_at = ?, reason = ? WHERE host = ? AND status = 'valid'")
        .run(args.revokedAt.getTime(), args.reason, args.host);
      this.db
        .prepare(
          'INSERT INTO blocked_hosts (host, blocked_at, reason) VALUES (?, ?, ?) ON CONFLICT(host) DO UPDATE SET blocked_at = excluded.blocked_at, reason = excluded.reason',
        )
        .run(args.host, args.revokedAt.getTime(), args.reason);
      this.appendAuditSync(resolveAudit(args.audit, serials));
      return serials;
    });
  }

  async unblockHost(args: { host: string; audit: AuditDraft }): Promise<boolean> {
    return this.tx(() => {
      const del = this.#stmt('DELETE FROM blocked_hosts WHERE host = ?').run(args.host);
      if (del.changes === 0) return false;
      this.appendAuditSync(args.audit);
      return true;
    });
  }

  async isHostBlocked(host: string): Promise<boolean> {
    return this.blocked(host);
  }

  // --- CRL

  async listRevokedUnexpired(issuerId: string, now: Date): Promise<readonly RevokedEntry[]> {
    const rows = this.db
      .prepare(
        "SELECT serial, revoked_at, reason, not_after FROM certificates WHERE issuer_id = ? AND status = 'revoked' AND not_after > ? ORDER BY revoked_at, seq",
      )
      .all(issuerId, now.getTime()) as Row[];
    return rows.map((r) => ({
      serial: String(r.serial),
      revokedAt: new Date(Number(r.revoked_at)),
      reason: r.reason === null ? null : String(r.reason),
      notAfter: new Date(Number(r.not_after)),
    }));
  }

  async allocateCrlNumber(issuerId: string): Promise<number> {
    return this.tx(() => {
      const r = this.#stmt(
        `INSERT INTO crl_numbers (issuer_id, last)
           VALUES (@id, coalesce((SELECT number FROM crl_state WHERE issuer_id = @id), 0) + 1)
         ON CONFLICT(issuer_id) DO UPDATE SET last = max(crl_numbers.last, coalesce((SELECT number FROM crl_state WHERE issuer_id = @id), 0)) + 1
         RETURNING last`,
      ).get({ id: issuerId }) as Row;
      return Number(r.last);
    });
  }

  async getCrl(issuerId: string): Promise<CrlRecord | undefined> {
    const r = this.#stmt('SELECT * FROM crl_state WHERE issuer_id = ?').get(issuerId) as Row | undefined;
    return r ? crlFromRow(r) : undefined;
  }

  async getCrlByNumber(issuerId: string, number: number): Promise<CrlRecord | undefined> {
    const r = this.#stmt('SELECT * FROM crl_history WHERE issuer_id = ? AND number = ?').get(issuerId, number) as Row | undefined;
    return r ? crlFromRow(r) : undefined;
  }

  async saveCrl(crl: CrlRecord, audit: AuditDraft | undefined): Promise<void> {
    await this.tx(() => {
      const cur = this.#stmt('SELECT number FROM crl_state WHERE issuer_id = ?').get(crl.issuerId) as Row | undefined;
      if (cur && Number(cur.number) >= crl.number) {
        throw new Error(`CRL number must increase: stored ${String(cur.number)}, new ${crl.number}`);
      }
      this.db
        .prepare(
          'INSERT INTO crl_state (issuer_id, number, this_update, next_update, der) VALUES (?, ?, ?, ?, ?) ON CONFLICT(issuer_id) DO UPDATE SET number = excluded.number, this_update = excluded.this_update, next_update = excluded.next_update, der = excluded.der',
        )
        .run(crl.issuerId, crl.number, crl.thisUpdate.getTime(), crl.nextUpdate.getTime(), Buffer.from(crl.der));
      this.#stmt('INSERT INTO crl_history (issuer_id, number, this_update, next_update, der) VALUES (?, ?, ?, ?, ?)').run(
        crl.issuerId,
        crl.number,
        crl.thisUpdate.getTime(),
        crl.nextUpdate.getTime(),
        Buffer.from(crl.der),
      );
      this.#stmt('DELETE FROM crl_history WHERE issuer_id = ? AND number <= ?').run(crl.issuerId, crl.number - CRL_HISTORY_KEEP);
      if (audit) this.appendAuditSync(audit);
    });
  }

  // --- audit

  async appendAudit(draft: AuditDraft): Promise<AuditRecord> {
    return this.tx(() => this.appendAuditSync(draft));
  }

  async listAudit(afterSeq: number, limit: number): Promise<readonly AuditRecord[]> {
    const rows = this.#stmt('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[];
    return rows.map(auditRecordFromRow);
  }

  async searchAudit(q: AuditQuery): Promise<readonly AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.action !== undefined) {
      where.push('action = ?');
      params.push(q.action);
    }
    if (q.actorPrefix !== undefined) {
      where.push('actor >= ? AND actor < ?');
      params.push(q.actorPrefix, prefixEnd(q.actorPrefix));
    }
    // Time bounds become seq bounds (one index lookup each), so the scan stays in seq order and
    // stops at `limit`; the exact time test (unary + : not through the index) stays for records
    // written a few milliseconds out of order.
    if (q.since !== undefined) {
      where.push('+time >= ? AND seq >= (SELECT min(seq) FROM audit_log WHERE time >= ?)');
      params.push(q.since.toISOString(), q.since.toISOString());
    }
    if (q.until !== undefined) {
      where.push('+time < ? AND seq <= (SELECT max(seq) FROM audit_log WHERE time < ?)');
      params.push(q.until.toISOString(), q.until.toISOString());
    }
    if (q.beforeSeq !== undefined) {
      where.push('seq < ?');
      params.push(q.beforeSeq);
    }
    params.push(q.limit);
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.#stmt(sql).all(...params) as Row[]).map(auditRecordFromRow);
  }

  // --- console

  async searchCertificates(q: CertificateSearch): Promise<Page<CertificateRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const alternatives: string[] = [];
    if (q.serials && q.serials.length > 0) {
      alternatives.push(`serial IN (${q.serials.map(() => '?').join(', ')})`);
      params.push(...q.serials);
    }
    if (q.namePrefix !== undefined) {
      alternatives.push('seq IN (SELECT seq FROM certificate_names WHERE name >= ? AND name < ?)');
      params.push(q.namePrefix, prefixEnd(q.namePrefix));
    }
    if (alternatives.length > 0) where.push(`(${alternatives.join(' OR ')})`);
    if (q.status === 'revoked') where.push("status = 'revoked'");
    else if (q.status === 'active') {
      where.push("status = 'valid' AND not_after > ?");
      params.push(q.now.getTime());
    } else if (q.status === 'expired') {
      where.push("status = 'valid' AND not_after <= ?");
      params.push(q.now.getTime());
    }
    if (q.issuerId !== undefined) {
      where.push('issuer_id = ?');
      params.push(q.issuerId);
    }
    if (q.cursor !== undefined) {
      const c = decodeSearchCursor(q.cursor, q.sort);
      if (q.sort === 'newest') where.push('seq < ?');
      else where.push(q.sort === 'expiry_asc' ? '(not_after, seq) > (?, ?)' : '(not_after, seq) < (?, ?)');
      params.push(...(q.sort === 'newest' ? [c.seq] : [c.notAfter, c.seq]));
    }
    const order = q.sort === 'newest' ? 'seq DESC' : q.sort === 'expiry_asc' ? 'not_after ASC, seq ASC' : 'not_after DESC, seq DESC';
    params.push(q.limit + 1);
    const sql = `SELECT * FROM certificates ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
    const rows = this.#stmt(sql).all(...params) as Row[];
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(certFromRow),
      nextCursor: rows.length > q.limit && last ? encodeSearchCursor(q.sort, Number(last.not_after), Number(last.seq)) : undefined,
    };
  }

  async certificateStats(now: Date, edges: readonly Date[]): Promise<CertificateStats> {
    const t = now.getTime();
    // Three index range counts (certificates_status_expiry), not one pass over the table.
    const count = (sql: string, ...p: unknown[]): number => Number((this.#stmt(sql).get(...p) as Row).n);
    const revoked = count("SELECT count(*) AS n FROM certificates WHERE status = 'revoked'");
    const active = count("SELECT count(*) AS n FROM certificates WHERE status = 'valid' AND not_after > ?", t);
    const expired = count("SELECT count(*) AS n FROM certificates WHERE status = 'valid' AND not_after <= ?", t);
    const between = this.#stmt("SELECT count(*) AS n FROM certificates WHERE status = 'valid' AND not_after > ? AND not_after <= ?");
    const expiring: number[] = [];
    for (let i = 0; i + 1 < edges.length; i++) expiring.push(Number((between.get(edges[i]!.getTime(), edges[i + 1]!.getTime()) as Row).n));
    return { active, expired, revoked, expiring };
  }

  async createUiSession(rec: UiSessionRecord, audit: AuditDraft): Promise<void> {
    const at = rec.createdAt.getTime();
    await this.tx(() => {
      this.#stmt('DELETE FROM ui_sessions WHERE expires_at <= ? OR idle_expires_at <= ?').run(at, at);
      this.#stmt('INSERT INTO ui_sessions (id_hash, admin_token_id, created_at, last_seen_at, idle_expires_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        rec.idHash,
        rec.adminTokenId,
        at,
        rec.lastSeenAt.getTime(),
        rec.idleExpiresAt.getTime(),
        rec.expiresAt.getTime(),
      );
      this.appendAuditSync(audit);
    });
  }

  async findUiSession(idHash: string): Promise<{ session: UiSessionRecord; adminToken: AdminTokenRecord } | undefined> {
    const r = this.#stmt(
      `SELECT s.id_hash AS s_id_hash, s.admin_token_id AS s_admin_token_id, s.created_at AS s_created_at,
              s.last_seen_at AS s_last_seen_at, s.idle_expires_at AS s_idle_expires_at, s.expires_at AS s_expires_at, t.*
         FROM ui_sessions s JOIN admin_tokens t ON t.id = s.admin_token_id WHERE s.id_hash = ?`,
    ).get(idHash) as Row | undefined;
    if (!r) return undefined;
    return {
      session: uiSessionFromRow(r),
      adminToken: adminTokenFromRow(r),
    };
  }

  async touchUiSession(idHash: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    await this.tx(() => {
      this.#stmt('UPDATE ui_sessions SET last_seen_at = ?, idle_expires_at = ? WHERE id_hash = ?').run(lastSeenAt.getTime(), idleExpiresAt.getTime(), idHash);
    });
  }

  async deleteUiSession(idHash: string, audit: AuditDraft | undefined): Promise<boolean> {
    return this.tx(() => {
      const del = this.#stmt('DELETE FROM ui_sessions WHERE id_hash = ?').run(idHash);
      if (del.changes === 0) return false;
      if (audit) this.appendAuditSync(audit);
      return true;
    });
  }

  // --- snapshot (store/snapshot.ts)

  async exportSnapshot(sink: (chunk: SnapshotChunk) => Promise<void>): Promise<void> {
    // Its own read-only connection and one read transaction: every table from the same committed
    // state, while this handle (a running server's) goes on writing through its group commit.
    const db = this.#file === ':memory:' ? this.db : new Database(this.#file, { readonly: true, fileMustExist: true });
    try {
      if (db !== this.db) db.pragma(`busy_timeout = 5000`);
      db.exec('BEGIN');
      try {
        for (const t of SNAPSHOT_TABLES) {
          const columns = t.columns.map(([n]) => n);
          let rows: (string | number | boolean | null)[][] = [];
          for (const r of db.prepare(`SELECT ${columns.join(', ')} FROM ${t.name} ORDER BY ${t.order.join(', ')}`).iterate() as Iterable<Row>) {
            rows.push(t.columns.map(([n, type]) => toSnapshotValue(r[n], type)));
            if (rows.length >= SNAPSHOT_CHUNK_ROWS) {
              // better-sqlite3 keeps the iterator's statement open; the sink runs no statement on this connection.
              await sink({ table: t.name, columns, rows });
              rows = [];
            }
          }
          await sink({ table: t.name, columns, rows });
        }
      } finally {
        db.exec('COMMIT');
      }
    } finally {
      if (db !== this.db) db.close();
    }
  }

  /**
   * Only into a store nobody else uses yet (restore, migrate): the import holds the write lock
   * (IMMEDIATE) from the emptiness check to its commit, across the awaits of its source, so this
   * handle must not be given other writes meanwhile.
   */
  async importSnapshot(source: AsyncIterable<SnapshotChunk>, verify: (r: SnapshotReader) => Promise<void>): Promise<SnapshotCounts> {
    await this.tx(() => undefined);
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const busy = SNAPSHOT_TABLES.filter((t) => this.db.prepare(`SELECT 1 FROM ${t.name} LIMIT 1`).get() !== undefined).map((t) => t.name);
      if (busy.length > 0)
        throw caError('store_not_empty', `The target store already holds data (${busy.join(', ')}); load a snapshot only into an empty store.`);
      const counts: Record<string, number> = {};
      for await (const chunk of source) {
        const table = checkChunk(chunk);
        const types = chunk.columns.map((c) => table.columns.find(([n]) => n === c)![1]);
        const ins = this.db.prepare(`INSERT INTO ${table.name} (${chunk.columns.join(', ')}) VALUES (${chunk.columns.map(() => '?').join(', ')})`);
        for (const r of chunk.rows) ins.run(...r.map((v, i) => fromSnapshotValue(v, types[i]!, true)));
        counts[table.name] = (counts[table.name] ?? 0) + chunk.rows.length;
      }
      this.db.prepare('UPDATE ca_state SET version = version + 1 WHERE id = 1').run();
      await verify({
        listAudit: async (afterSeq, limit) =>
          (this.db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[]).map(auditRecordFromRow),
        count: async (table) => {
          if (!SNAPSHOT_TABLES.some((t) => t.name === table)) throw new TypeError(`unknown table ${table}`);
          return Number((this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as Row).n);
        },
      });
      this.db.exec('COMMIT');
      return counts;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  // --- internals

  /**
   * Group commit. With `synchronous=FULL` every commit waits for an fsync (milliseconds, and
   * better-sqlite3 blocks the event loop meanwhile), so one commit per certificate would cap the CA
   * at a few hundred issuances per second. Operations queued while the event loop was busy run
   * together in ONE transaction, each inside its own savepoint (a failing operation — a reused
   * token, a failed audit insert — rolls back alone), and every caller's promise settles only after
   * the shared commit returned: a result is never reported before it is durable.
   */
  private tx<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.#queue.length === 1) setImmediate(() => this.#flush());
    });
  }

  readonly #stmts = new Map<string, Database.Statement>();

  /** Prepared statements are compiled once per SQL text. */
  #stmt(sql: string): Database.Statement {
    let st = this.#stmts.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.#stmts.set(sql, st);
    }
    return st;
  }

  #queue: { fn: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];

  #flush(): void {
    const batch = this.#queue.splice(0, MAX_BATCH);
    if (this.#queue.length > 0) setImmediate(() => this.#flush());
    if (batch.length === 0) return;
    const results: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      if (!this.db.open) throw new Error('the store is closed');
      this.db
        .transaction(() => {
          for (const op of batch) {
            try {
              // A nested better-sqlite3 transaction is a SAVEPOINT.
              results.push({ ok: true, value: this.db.transaction(op.fn)() });
            } catch (err) {
              results.push({ ok: false, err });
            }
          }
        })
        .immediate();
    } catch (err) {
      for (const op of batch) op.reject(err);
      return;
    }
    batch.forEach((op, i) => {
      const r = results[i]!;
      if (r.ok) op.resolve(r.value);
      else op.reject(r.err);
    });
  }

  private blocked(host: string): boolean {
    return this.#stmt('SELECT 1 FROM blocked_hosts WHERE host = ?').get(host) !== undefined;
  }

  private insertCert(c: CertificateRecord): void {
    const seq = Number((this.#stmt('SELECT coalesce(max(seq), 0) + 1 AS n FROM certificates').get() as Row).n);
    this.#stmt(
      `INSERT INTO certificates (serial, seq, host, subject, sans, not_before, not_after, status, revoked_at, reason,
         fingerprint, der, issuer_id, renewed_from, issued_at, cert_ttl_seconds)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      c.serial,
      seq,
      c.host,
      c.subject,
      JSON.stringify(c.sans),
      c.notBefore.getTime(),
      c.notAfter.getTime(),
      c.status,
      c.revokedAt ? c.revokedAt.getTime() : null,
      c.reason,
      c.fingerprint,
      Buffer.from(c.der),
      c.issuerId,
      c.renewedFrom,
      c.issuedAt.getTime(),
      c.certTtlSeconds,
    );
  }

  /** Must run inside a transaction: numbers and chains the record. Any failure → audit_write_failed. */
  private appendAuditSync(draft: AuditDraft): AuditRecord {
    try {
      const last = this.#stmt('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
      const seq = last ? Number(last.seq) + 1 : 1;
      const prevHash = last ? String(last.hash) : AUDIT_GENESIS_HASH;
      const fields = { seq, time: draft.time.toISOString(), actor: draft.actor, action: draft.action, details: draft.details };
      const hash = auditRecordHash(prevHash, fields);
      this.#stmt('INSERT INTO audit_log (seq, time, actor, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        seq,
        fields.time,
        fields.actor,
        fields.action,
        JSON.stringify(fields.details),
        prevHash,
        hash,
      );
      return { ...fields, prevHash, hash };
    } catch (err) {
      throw caError('audit_write_failed', undefined, { cause: err });
    }
  }
}

function migrate(db: Database.Database, migrations: readonly Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)));
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    }).immediate();
  }
}

/** A UNIQUE constraint failure on an index over `column`. */
function isUniqueViolation(err: unknown, column: string): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof e.message === 'string' && e.message.includes(column);
}

/** Kept here for the backup module, which reads a copied SQLite file. */
export { auditRecordFromRow };
