/**
 * PostgreSQL implementation of {@link CaStore} (driver `pg`, pooled), for several CA replicas on one
 * database (docs/ha.md).
 *
 * What SQLite gets from its single writer, this store gets from locks and the schema
 * (`pg-migrations.ts`), in PostgreSQL's default READ COMMITTED isolation:
 * - a token row is locked (`FOR UPDATE`) before it is checked and consumed: consumed once;
 * - issuing or renewing for a host holds a shared advisory lock on the host, revoking a host an
 *   exclusive one: once a host revocation has committed, no certificate for it is stored, and a
 *   certificate stored before is revoked by it;
 * - the old certificate of a renewal is locked, and a unique index allows one successor;
 * - revoking an admin token serialises on an advisory lock, so two revocations cannot both think
 *   the other token is the last admin;
 * - CRL numbers come from a row-locked counter; a CRL is stored only over a smaller number;
 * - the audit chain: every audited transaction locks the one `audit_head` row, chains its records
 *   after it and moves it, so records are numbered and linked in commit order, with one head.
 *
 * That last lock serialises every audited write of every replica — the chain is one sequence by
 * design. To keep it off the critical path, writes are group-committed (`pg-group-commit.ts`, as the
 * SQLite store does) and the head is locked only for the audit insert and the commit. Every write
 * method below runs its checks before its writes (a failed check then fails only itself).
 * Connection failures and timeouts become `store_unavailable` (503). Measured figures: docs/ha.md.
 */
import pg from 'pg';
import { caError } from '../errors.js';
import { CRL_HISTORY_KEEP, type AuditSpec, type CaStore } from './ca-store.js';
import * as state from './pg-ca-state.js';
import { CA_INIT_LOCK, exportPgSnapshot, importPgSnapshot } from './pg-snapshot.js';
import type { SnapshotChunk, SnapshotCounts, SnapshotReader } from './snapshot.js';
import { ignoreError, PgGroupCommit, type GroupCommitStats, type OpCtx } from './pg-group-commit.js';
import { migratePg, pgSchemaVersions } from './pg-migrate.js';
import { PG_MIGRATIONS, type PgMigration } from './pg-migrations.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';
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
  caConfigFromRow,
  caKeyFromRow,
  certFromRow,
  crlFromRow,
  crlSlotFromRow,
  decodeCursor,
  decodeSearchCursor,
  encodeCursor,
  encodeSearchCursor,
  prefixEnd,
  resolveAudit,
  retainedFromRow,
  rotationFromRow,
  rotationHistoryFromRow,
  syncTargetFromRow,
  tokenFromRow,
  uiSessionFromRow,
  type Row,
} from './rows.js';

/** `/readyz` ping bound. */
const PING_TIMEOUT_MS = 2_000;
/** Advisory lock (xact) serialising admin token revocations. */
const ADMIN_TOKENS_LOCK = '7228150310290002';

export interface PgStoreOptions {
  /** Schema migrations to apply (tests add some). */
  readonly migrations?: readonly PgMigration[];
  /** Told about pool-level connection errors (the pool replaces the connection). */
  readonly onPoolError?: (err: unknown) => void;
}

/** Pool and group-commit counters (metrics). */
export interface PgStoreStats extends GroupCommitStats {
  readonly poolTotal: number;
  readonly poolIdle: number;
  readonly poolWaiting: number;
  readonly poolMax: number;
}

export class PgCaStore implements CaStore {
  readonly pool: pg.Pool;
  readonly #groups: PgGroupCommit;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
    this.#groups = new PgGroupCommit(pool);
  }

  /** Opens a pool and applies pending migrations (under an advisory lock: replicas may start together). */
  static async open(config: pg.PoolConfig, opts: PgStoreOptions = {}): Promise<PgCaStore> {
    const pool = new pg.Pool(config);
    // An idle connection that breaks (server restart) is reported here; without a listener it would crash the process.
    pool.on('error', (err) => opts.onPoolError?.(err));
    try {
      const client = await pool.connect();
      client.on('error', ignoreError);
      try {
        await migratePg(client, opts.migrations ?? PG_MIGRATIONS);
      } finally {
        client.off('error', ignoreError);
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => {});
      throw mapPgError(err);
    }
    return new PgCaStore(pool);
  }

  async schemaVersions(): Promise<number[]> {
    return pgSchemaVersions(this.pool);
  }

  stats(): PgStoreStats {
    return {
      poolTotal: this.pool.totalCount,
      poolIdle: this.pool.idleCount,
      poolWaiting: this.pool.waitingCount,
      poolMax: this.pool.options.max ?? 10,
      ...this.#groups.stats(),
    };
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.pool.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(caError('store_unavailable', 'The database did not answer the ping in time.')), PING_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      throw mapPgError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#groups.close();
    await this.pool.end();
  }

  // --- CA certificates

  async getCaCertificates(): Promise<readonly CaCertificateRecord[]> {
    const rows = await this.#read('SELECT * FROM ca_certificates ORDER BY role COLLATE "C" DESC, id COLLATE "C"');
    return rows.map(caCertificateFromRow);
  }

  async revokeCaCertificate(args: { id: string; revokedAt: Date; reason: string; audit: AuditDraft }): Promise<CaCertificateRecord> {
    return this.#groups.run(async (c) => {
      const upd = await c.write('UPDATE ca_certificates SET revoked_at = $2, reason = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING *', [
        args.id,
        args.revokedAt.getTime(),
        args.reason,
      ]);
      if (upd.rowCount !== 1) {
        const found = (await c.read('SELECT 1 FROM ca_certificates WHERE id = $1', [args.id])).rows.length > 0;
        throw caError(found ? 'already_revoked' : 'certificate_not_found');
      }
      await c.write('UPDATE ca_state SET version = version + 1 WHERE id = 1');
      c.audit(args.audit);
      return caCertificateFromRow(upd.rows[0]!);
    });
  }

  async putCaCertificates(certs: readonly CaCertificateRecord[], audit: AuditDraft, opts: { readonly requireEmpty?: boolean } = {}): Promise<void> {
    await this.#groups.run(async (c) => {
      if (opts.requireEmpty) {
        await c.read('SELECT pg_advisory_xact_lock($1)', [CA_INIT_LOCK]);
        if ((await c.read('SELECT 1 FROM ca_certificates LIMIT 1')).rows.length > 0) throw caError('ca_exists', 'The database already holds a CA.');
      }
      await c.read('SELECT version FROM ca_state WHERE id = 1 FOR UPDATE');
      for (const x of certs) {
        await c.write('INSERT INTO ca_certificates (id, role, der, not_after, issuing, state) VALUES ($1, $2, $3, $4, $5, $6)', [
          x.id,
          x.role,
          Buffer.from(x.der),
          x.notAfter.getTime(),
          x.issuing,
          x.state ?? 'active',
        ]);
      }
      await c.write('UPDATE ca_state SET version = version + 1 WHERE id = 1');
      c.audit(audit);
    });
  }

  // --- the CA itself

  async getCaState(): Promise<CaState> {
    return this.#snapshotRead(async (q) => {
      const [v] = await q('SELECT version FROM ca_state WHERE id = 1');
      const [cfg] = await q('SELECT * FROM ca_config WHERE id = 1');
      const [rot] = await q('SELECT * FROM rotation_state WHERE id = 1');
      return {
        version: Number(v?.version ?? 0),
        config: cfg ? caConfigFromRow(cfg) : undefined,
        certificates: (await q('SELECT * FROM ca_certificates ORDER BY role COLLATE "C" DESC, id COLLATE "C"')).map(caCertificateFromRow),
        rotation: rot ? rotationFromRow(rot) : undefined,
        retained: (await q('SELECT * FROM retained_crls ORDER BY since, issuer_id COLLATE "C"')).map(retainedFromRow),
      };
    });
  }

  async getCaStateVersion(): Promise<number> {
    const [r] = await this.#read('SELECT version FROM ca_state WHERE id = 1');
    return Number(r?.version ?? 0);
  }

  async getCaKey(caId: string): Promise<CaKeyRecord | undefined> {
    const [r] = await this.#read('SELECT * FROM ca_keys WHERE ca_id = $1', [caId]);
    return r ? caKeyFromRow(r) : undefined;
  }

  async updateCaState(change: CaStateChange): Promise<CaStateVersions> {
    return this.#groups.run((c) => state.applyCaStateChange(c, change));
  }

  async listRotationHistory(): Promise<readonly RotationHistoryRecord[]> {
    return (await this.#read('SELECT * FROM rotation_history ORDER BY ended_at, rotation_id COLLATE "C"')).map(rotationHistoryFromRow);
  }

  // --- CRL sync targets

  async listSyncTargets(): Promise<readonly SyncTargetRecord[]> {
    return (await this.#read('SELECT * FROM sync_targets ORDER BY created_at, id COLLATE "C"')).map(syncTargetFromRow);
  }

  async putSyncTarget(target: SyncTargetRecord, audit: AuditDraft): Promise<boolean> {
    return this.#groups.run((c) => state.putSyncTarget(c, target, audit));
  }

  async removeSyncTarget(id: string, audit: AuditDraft): Promise<boolean> {
    return this.#groups.run((c) => state.removeSyncTarget(c, id, audit));
  }

  async listCrlSlots(slot?: string): Promise<readonly CrlSlotRecord[]> {
    const rows =
      slot === undefined
        ? await this.#read('SELECT * FROM crl_slots ORDER BY slot COLLATE "C", target_id COLLATE "C"')
        : await this.#read('SELECT * FROM crl_slots WHERE slot = $1 ORDER BY target_id COLLATE "C"', [slot]);
    return rows.map(crlSlotFromRow);
  }

  async saveCrlSlot(rec: CrlSlotRecord, mode: 'forward' | 'replace'): Promise<{ readonly applied: boolean; readonly slot: CrlSlotRecord } | undefined> {
    return this.#groups.run((c) => state.saveCrlSlot(c, rec, mode));
  }

  async deleteCrlSlots(slot: string, targetId?: string): Promise<void> {
    await this.#groups.run((c) => state.deleteCrlSlots(c, slot, targetId));
  }

  // --- admin tokens

  async findAdminToken(hash: string): Promise<AdminTokenRecord | undefined> {
    const [r] = await this.#read('SELECT * FROM admin_tokens WHERE hash = $1', [hash]);
    return r ? adminTokenFromRow(r) : undefined;
  }

  async createAdminToken(rec: NewAdminTokenRecord, audit: AuditDraft): Promise<void> {
    await this.#groups.run(async (c) => {
      await c.write('INSERT INTO admin_tokens (hash, id, role, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        rec.hash,
        adminTokenId(rec.hash),
        rec.role,
        rec.name,
        rec.createdAt.getTime(),
        rec.expiresAt ? rec.expiresAt.getTime() : null,
      ]);
      c.audit(audit);
    });
  }

  async listAdminTokens(): Promise<readonly AdminTokenRecord[]> {
    return (await this.#read('SELECT * FROM admin_tokens ORDER BY created_at, id COLLATE "C"')).map(adminTokenFromRow);
  }

  async revokeAdminToken(args: { id: string; revokedAt: Date; revokedBy: string; audit: AuditSpec<AdminTokenRecord> }): Promise<AdminTokenRecord> {
    return this.#groups.run(async (c) => {
      // Two revocations at once must not each count the other as the remaining admin.
      await c.read('SELECT pg_advisory_xact_lock($1)', [ADMIN_TOKENS_LOCK]);
      const [r] = (await c.read('SELECT * FROM admin_tokens WHERE id = $1', [args.id])).rows;
      if (!r) throw caError('admin_token_not_found');
      if (r.revoked_at !== null) throw caError('admin_token_revoked');
      const at = args.revokedAt.getTime();
      if (r.role === 'admin' && (r.expires_at === null || Number(r.expires_at) > at)) {
        const [o] = (
          await c.read(
            "SELECT count(*) AS n FROM admin_tokens WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1) AND id <> $2",
            [at, args.id],
          )
        ).rows;
        if (Number(o!.n) === 0) throw caError('last_admin_token');
      }
      const upd = await c.write('UPDATE admin_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 RETURNING *', [at, args.revokedBy, args.id]);
      const rec = adminTokenFromRow(upd.rows[0]!);
      c.audit(resolveAudit(args.audit, rec));
      return rec;
    });
  }

  async touchAdminToken(id: string, now: Date, minIntervalMs: number): Promise<void> {
    const t = now.getTime();
    await this.#exec('UPDATE admin_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)', [t, id, t - minIntervalMs]);
  }

  // --- enrollment tokens

  async findToken(hash: string): Promise<TokenRecord | undefined> {
    const [r] = await this.#read('SELECT * FROM tokens WHERE hash = $1', [hash]);
    return r ? tokenFromRow(r) : undefined;
  }

  async createToken(rec: TokenRecord, audit: AuditDraft): Promise<void> {
    await this.#groups.run(async (c) => {
      await c.write(
        'INSERT INTO tokens (hash, subject, sans, cert_ttl_seconds, created_at, expires_at, used_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)',
        [rec.hash, rec.subject, JSON.stringify(rec.sans), rec.certTtlSeconds, rec.createdAt.getTime(), rec.expiresAt.getTime(), rec.createdBy],
      );
      c.audit(audit);
    });
  }

  // --- certificates

  async getCertificate(serial: string): Promise<CertificateRecord | undefined> {
    const [r] = await this.#read('SELECT * FROM certificates WHERE serial = $1', [serial]);
    return r ? certFromRow(r) : undefined;
  }

  async listCertificates(q: CertificateQuery): Promise<Page<CertificateRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.host !== undefined) where.push(`c.host = ${p(q.host)}`);
    if (q.status === 'revoked') where.push("c.status = 'revoked'");
    else if (q.status === 'active') where.push(`c.status = 'valid' AND c.not_after > ${p(q.now.getTime())}`);
    else if (q.status === 'expired') where.push(`c.status = 'valid' AND c.not_after <= ${p(q.now.getTime())}`);
    // certificates_renewed_from makes both lookups an index probe per row.
    if (q.superseded !== undefined) where.push(`${q.superseded ? '' : 'NOT '}EXISTS (SELECT 1 FROM certificates n WHERE n.renewed_from = c.serial)`);
    if (q.cursor !== undefined) where.push(`c.seq < ${p(decodeCursor(q.cursor))}`);
    const renewedBy = '(SELECT n.serial FROM certificates n WHERE n.renewed_from = c.serial ORDER BY n.seq DESC LIMIT 1) AS renewed_by';
    const sql = `SELECT c.*, ${renewedBy} FROM certificates c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.seq DESC LIMIT ${p(q.limit + 1)}`;
    const rows = await this.#read(sql, params);
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
    await this.#groups.run(async (c) => {
      await lockHost(c, args.certificate.host, 'shared');
      const [t] = (
        await c.read(
          'SELECT t.used_at, t.expires_at, EXISTS (SELECT 1 FROM blocked_hosts b WHERE b.host = $2) AS blocked FROM tokens t WHERE t.hash = $1 FOR UPDATE OF t',
          [args.tokenHash, args.certificate.host],
        )
      ).rows;
      if (!t) throw caError('token_invalid');
      if (t.used_at !== null) throw caError('token_used');
      if (Number(t.expires_at) <= now) throw caError('token_expired');
      if (t.blocked === true) throw caError('host_blocked');
      // One statement: the token is consumed only together with the certificate stored.
      const x = args.certificate;
      const ins = await c.write(
        `WITH used AS (UPDATE tokens SET used_at = $16 WHERE hash = $17 AND used_at IS NULL RETURNING 1)
         INSERT INTO certificates (serial, host, subject, sans, not_before, not_after, status, revoked_at, reason,
           fingerprint, der, issuer_id, renewed_from, issued_at, cert_ttl_seconds)
         SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, $6::bigint, $7::text, $8::bigint, $9::text,
           $10::text, $11::bytea, $12::text, $13::text, $14::bigint, $15::integer FROM used`,
        [...certParams(x), now, args.tokenHash],
      );
      if (ins.rowCount !== 1) throw caError('token_used');
      c.audit(args.audit);
    });
  }

  async recordRenewal(args: { oldSerial: string; now: Date; certificate: CertificateRecord; audit: AuditDraft }): Promise<void> {
    await this.#groups.run(async (c) => {
      await lockHost(c, args.certificate.host, 'shared');
      // The old certificate is locked: a concurrent revocation of it, or a second renewal, waits for this one.
      const [old] = (
        await c.read(
          `SELECT c.status, c.not_after, c.host,
             EXISTS (SELECT 1 FROM blocked_hosts b WHERE b.host = c.host) AS blocked
           FROM certificates c WHERE c.serial = $1 FOR UPDATE OF c`,
          [args.oldSerial],
        )
      ).rows;
      if (!old) throw caError('certificate_unknown');
      if (old.status === 'revoked') throw caError('certificate_revoked');
      if (Number(old.not_after) <= args.now.getTime()) throw caError('certificate_expired');
      if (old.blocked === true) throw caError('host_blocked');
      // After the row lock: a fresh statement sees a successor committed meanwhile.
      if ((await c.read('SELECT 1 FROM certificates WHERE renewed_from = $1 LIMIT 1', [args.oldSerial])).rows.length > 0)
        throw caError('certificate_superseded');
      // The unique index certificates_one_successor is the guarantee; a violation is mapped when run alone.
      await insertCert(c, { ...args.certificate, renewedFrom: args.oldSerial });
      c.audit(args.audit);
    });
  }

  async findRenewalOf(serial: string): Promise<CertificateRecord | undefined> {
    const [r] = await this.#read('SELECT * FROM certificates WHERE renewed_from = $1 ORDER BY seq DESC LIMIT 1', [serial]);
    return r ? certFromRow(r) : undefined;
  }

  async revokeCertificate(args: { serial: string; revokedAt: Date; reason: string | null; audit: AuditSpec<CertificateRecord> }): Promise<CertificateRecord> {
    return this.#groups.run(async (c) => {
      const upd = await c.write("UPDATE certificates SET status = 'revoked', revoked_at = $2, reason = $3 WHERE serial = $1 AND status = 'valid' RETURNING *", [
        args.serial,
        args.revokedAt.getTime(),
        args.reason,
      ]);
      if (upd.rowCount !== 1) {
        const found = (await c.read('SELECT 1 FROM certificates WHERE serial = $1', [args.serial])).rows.length > 0;
        throw caError(found ? 'already_revoked' : 'certificate_not_found');
      }
      const rec = certFromRow(upd.rows[0]!);
      c.audit(resolveAudit(args.audit, rec));
      return rec;
    });
  }

  async revokeHost(args: { host: string; revokedAt: Date; reason: string | null; audit: AuditSpec<readonly string[]> }): Promise<readonly string[]> {
    return this.#groups.run(async (c) => {
      await lockHost(c, args.host, 'exclusive');
      const upd = await c.write(
        "UPDATE certificates SET status = 'revoked', revoked_at = $2, reason = $3 WHERE host = $1 AND status = 'valid' RETURNING serial, seq",
        [args.host, args.revokedAt.getTime(), args.reason],
      );
      const serials = upd.rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map((r) => String(r.serial));
      await c.write(
        'INSERT INTO blocked_hosts (host, blocked_at, reason) VALUES ($1, $2, $3) ON CONFLICT (host) DO UPDATE SET blocked_at = excluded.blocked_at, reason = excluded.reason',
        [args.host, args.revokedAt.getTime(), args.reason],
      );
      c.audit(resolveAudit(args.audit, serials));
      return serials;
    });
  }

  async unblockHost(args: { host: string; audit: AuditDraft }): Promise<boolean> {
    return this.#groups.run(async (c) => {
      const del = await c.write('DELETE FROM blocked_hosts WHERE host = $1', [args.host]);
      if (del.rowCount === 0) return false;
      c.audit(args.audit);
      return true;
    });
  }

  async isHostBlocked(host: string): Promise<boolean> {
    return (await this.#read('SELECT 1 FROM blocked_hosts WHERE host = $1', [host])).length > 0;
  }

  // --- CRL

  async listRevokedUnexpired(issuerId: string, now: Date): Promise<readonly RevokedEntry[]> {
    const rows = await this.#read(
      "SELECT serial, revoked_at, reason, not_after FROM certificates WHERE issuer_id = $1 AND status = 'revoked' AND not_after > $2 ORDER BY revoked_at, seq",
      [issuerId, now.getTime()],
    );
    return rows.map((r) => ({
      serial: String(r.serial),
      revokedAt: new Date(Number(r.revoked_at)),
      reason: r.reason === null ? null : String(r.reason),
      notAfter: new Date(Number(r.not_after)),
    }));
  }

  async getCrl(issuerId: string): Promise<CrlRecord | undefined> {
    const [r] = await this.#read('SELECT * FROM crl_state WHERE issuer_id = $1', [issuerId]);
    return r ? crlFromRow(r) : undefined;
  }

  async getCrlByNumber(issuerId: string, number: number): Promise<CrlRecord | undefined> {
    const [r] = await this.#read('SELECT * FROM crl_history WHERE issuer_id = $1 AND number = $2', [issuerId, number]);
    return r ? crlFromRow(r) : undefined;
  }

  async allocateCrlNumber(issuerId: string): Promise<number> {
    // One statement: the counter row is locked by the upsert, so concurrent callers get distinct numbers.
    const [r] = await this.#exec(
      `INSERT INTO crl_numbers (issuer_id, last)
         VALUES ($1, coalesce((SELECT number FROM crl_state WHERE issuer_id = $1), 0) + 1)
       ON CONFLICT (issuer_id) DO UPDATE
         SET last = greatest(crl_numbers.last, coalesce((SELECT number FROM crl_state WHERE issuer_id = $1), 0)) + 1
       RETURNING last`,
      [issuerId],
    );
    return Number(r!.last);
  }

  async saveCrl(crl: CrlRecord, audit: AuditDraft | undefined): Promise<void> {
    await this.#groups.run(async (c) => {
      const res = await c.write(
        `INSERT INTO crl_state (issuer_id, number, this_update, next_update, der) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (issuer_id) DO UPDATE SET number = excluded.number, this_update = excluded.this_update, next_update = excluded.next_update, der = excluded.der
         WHERE crl_state.number < excluded.number`,
        [crl.issuerId, crl.number, crl.thisUpdate.getTime(), crl.nextUpdate.getTime(), Buffer.from(crl.der)],
      );
      if (res.rowCount !== 1) {
        const [cur] = (await c.read('SELECT number FROM crl_state WHERE issuer_id = $1', [crl.issuerId])).rows;
        throw new Error(`CRL number must increase: stored ${String(cur?.number)}, new ${crl.number}`);
      }
      await c.write('INSERT INTO crl_history (issuer_id, number, this_update, next_update, der) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
        crl.issuerId,
        crl.number,
        crl.thisUpdate.getTime(),
        crl.nextUpdate.getTime(),
        Buffer.from(crl.der),
      ]);
      await c.write('DELETE FROM crl_history WHERE issuer_id = $1 AND number <= $2', [crl.issuerId, crl.number - CRL_HISTORY_KEEP]);
      if (audit) c.audit(audit);
    });
  }

  // --- audit

  async appendAudit(draft: AuditDraft): Promise<AuditRecord> {
    const rec: unknown = await this.#groups.run(async (c) => {
      c.audit(draft);
    }, true);
    return rec as AuditRecord;
  }

  async listAudit(afterSeq: number, limit: number): Promise<readonly AuditRecord[]> {
    const rows = await this.#read('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit]);
    return rows.map(auditRecordFromRow);
  }

  async searchAudit(q: AuditQuery): Promise<readonly AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.action !== undefined) where.push(`action COLLATE "C" = ${p(q.action)}`);
    if (q.actorPrefix !== undefined) where.push(`actor COLLATE "C" >= ${p(q.actorPrefix)} AND actor COLLATE "C" < ${p(prefixEnd(q.actorPrefix))}`);
    // Time bounds become seq bounds (one index lookup each), so the scan stays in seq order and
    // stops at `limit`; the exact time test stays for records written a few milliseconds out of order.
    if (q.since !== undefined) {
      const t = p(q.since.toISOString());
      where.push(`time COLLATE "C" >= ${t} AND seq >= (SELECT min(seq) FROM audit_log WHERE time COLLATE "C" >= ${t})`);
    }
    if (q.until !== undefined) {
      const t = p(q.until.toISOString());
      where.push(`time COLLATE "C" < ${t} AND seq <= (SELECT max(seq) FROM audit_log WHERE time COLLATE "C" < ${t})`);
    }
    if (q.beforeSeq !== undefined) where.push(`seq < ${p(q.beforeSeq)}`);
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${p(q.limit)}`;
    return (await this.#read(sql, params)).map(auditRecordFromRow);
  }

  // --- console

  async searchCertificates(q: CertificateSearch): Promise<Page<CertificateRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const alternatives: string[] = [];
    if (q.serials && q.serials.length > 0) alternatives.push(`serial = ANY(${p([...q.serials])}::text[])`);
    if (q.namePrefix !== undefined) {
      alternatives.push(`seq IN (SELECT seq FROM certificate_names WHERE name >= ${p(q.namePrefix)} AND name < ${p(prefixEnd(q.namePrefix))})`);
    }
    if (alternatives.length > 0) where.push(`(${alternatives.join(' OR ')})`);
    if (q.status === 'revoked') where.push("status = 'revoked'");
    else if (q.status === 'active') where.push(`status = 'valid' AND not_after > ${p(q.now.getTime())}`);
    else if (q.status === 'expired') where.push(`status = 'valid' AND not_after <= ${p(q.now.getTime())}`);
    if (q.issuerId !== undefined) where.push(`issuer_id = ${p(q.issuerId)}`);
    if (q.cursor !== undefined) {
      const c = decodeSearchCursor(q.cursor, q.sort);
      if (q.sort === 'newest') where.push(`seq < ${p(c.seq)}`);
      else where.push(`(not_after, seq) ${q.sort === 'expiry_asc' ? '>' : '<'} (${p(c.notAfter)}, ${p(c.seq)})`);
    }
    const order = q.sort === 'newest' ? 'seq DESC' : q.sort === 'expiry_asc' ? 'not_after ASC, seq ASC' : 'not_after DESC, seq DESC';
    const sql = `SELECT * FROM certificates ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${p(q.limit + 1)}`;
    const rows = await this.#read(sql, params);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(certFromRow),
      nextCursor: rows.length > q.limit && last ? encodeSearchCursor(q.sort, Number(last.not_after), Number(last.seq)) : undefined,
    };
  }

  async certificateStats(now: Date, edges: readonly Date[]): Promise<CertificateStats> {
    const t = now.getTime();
    const buckets = edges
      .slice(0, -1)
      .map((e, i) => `count(*) FILTER (WHERE status = 'valid' AND not_after > ${e.getTime()} AND not_after <= ${edges[i + 1]!.getTime()}) AS b${i}`);
    // One statement, so the counts describe one snapshot (edges are numbers we made, not input text).
    const [r] = await this.#read(
      `SELECT count(*) FILTER (WHERE status = 'revoked') AS revoked,
              count(*) FILTER (WHERE status = 'valid' AND not_after > $1) AS active,
              count(*) FILTER (WHERE status = 'valid' AND not_after <= $1) AS expired
              ${buckets.length ? `, ${buckets.join(', ')}` : ''}
         FROM certificates`,
      [t],
    );
    return {
      active: Number(r!.active),
      expired: Number(r!.expired),
      revoked: Number(r!.revoked),
      expiring: buckets.map((_, i) => Number(r![`b${i}`])),
    };
  }

  async createUiSession(rec: UiSessionRecord, audit: AuditDraft): Promise<void> {
    const at = rec.createdAt.getTime();
    await this.#groups.run(async (c) => {
      await c.write('DELETE FROM ui_sessions WHERE expires_at <= $1 OR idle_expires_at <= $1', [at]);
      await c.write(
        'INSERT INTO ui_sessions (id_hash, admin_token_id, created_at, last_seen_at, idle_expires_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [rec.idHash, rec.adminTokenId, at, rec.lastSeenAt.getTime(), rec.idleExpiresAt.getTime(), rec.expiresAt.getTime()],
      );
      c.audit(audit);
    });
  }

  async findUiSession(idHash: string): Promise<{ session: UiSessionRecord; adminToken: AdminTokenRecord } | undefined> {
    const [r] = await this.#read(
      `SELECT s.id_hash AS s_id_hash, s.admin_token_id AS s_admin_token_id, s.created_at AS s_created_at,
              s.last_seen_at AS s_last_seen_at, s.idle_expires_at AS s_idle_expires_at, s.expires_at AS s_expires_at, t.*
         FROM ui_sessions s JOIN admin_tokens t ON t.id = s.admin_token_id WHERE s.id_hash = $1`,
      [idHash],
    );
    return r ? { session: uiSessionFromRow(r), adminToken: adminTokenFromRow(r) } : undefined;
  }

  async touchUiSession(idHash: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    await this.#exec('UPDATE ui_sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id_hash = $1', [
      idHash,
      lastSeenAt.getTime(),
      idleExpiresAt.getTime(),
    ]);
  }

  async deleteUiSession(idHash: string, audit: AuditDraft | undefined): Promise<boolean> {
    return this.#groups.run(async (c) => {
      const del = await c.write('DELETE FROM ui_sessions WHERE id_hash = $1', [idHash]);
      if (del.rowCount === 0) return false;
      if (audit) c.audit(audit);
      return true;
    });
  }

  // --- snapshot (store/snapshot.ts)

  async exportSnapshot(sink: (chunk: SnapshotChunk) => Promise<void>): Promise<void> {
    if (this.#closed) throw new Error('the store is closed');
    await exportPgSnapshot(this.pool, sink);
  }

  async importSnapshot(source: AsyncIterable<SnapshotChunk>, verify: (r: SnapshotReader) => Promise<void>): Promise<SnapshotCounts> {
    if (this.#closed) throw new Error('the store is closed');
    return importPgSnapshot(this.pool, source, verify);
  }

  // --- internals

  /** Several reads from one snapshot (REPEATABLE READ, read only) on one connection. */
  async #snapshotRead<T>(fn: (q: (sql: string, params?: readonly unknown[]) => Promise<Row[]>) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('the store is closed');
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapPgError(err);
    }
    client.on('error', ignoreError);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const out = await fn(async (sql, params = []) => (await client.query<Row>(sql, params as unknown[])).rows);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      if (isPgUnavailable(err)) broken = err instanceof Error ? err : new Error(String(err));
      else await client.query('ROLLBACK').catch(() => {});
      throw mapPgError(err);
    } finally {
      client.off('error', ignoreError);
      client.release(broken);
    }
  }

  async #read(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.#exec(sql, params);
  }

  /** One statement in its own (auto-commit) transaction, errors mapped. */
  async #exec(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    if (this.#closed) throw new Error('the store is closed');
    try {
      return (await this.pool.query<Row>(sql, params as unknown[])).rows;
    } catch (err) {
      throw mapPgError(err);
    }
  }
}

/** Per-host advisory lock (transaction-scoped): shared to issue or renew, exclusive to revoke the host. */
async function lockHost(c: OpCtx, host: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await c.read(`SELECT ${fn}(hashtextextended($1, 7228150310290003))`, [`rapki-host:${host}`]);
}

/** The 15 certificate columns in `insertCert` order. */
function certParams(x: CertificateRecord): unknown[] {
  return [
    x.serial,
    x.host,
    x.subject,
    JSON.stringify(x.sans),
    x.notBefore.getTime(),
    x.notAfter.getTime(),
    x.status,
    x.revokedAt ? x.revokedAt.getTime() : null,
    x.reason,
    x.fingerprint,
    Buffer.from(x.der),
    x.issuerId,
    x.renewedFrom,
    x.issuedAt.getTime(),
    x.certTtlSeconds,
  ];
}

async function insertCert(c: OpCtx, x: CertificateRecord): Promise<void> {
  await c.write(
    `INSERT INTO certificates (serial, host, subject, sans, not_before, not_after, status, revoked_at, reason,
       fingerprint, der, issuer_id, renewed_from, issued_at, cert_ttl_seconds)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    certParams(x),
  );
}
