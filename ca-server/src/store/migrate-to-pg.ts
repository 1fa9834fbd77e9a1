/**
 * `rapki ca migrate-store`: copies a SQLite store into an empty PostgreSQL database (docs/ha.md
 * "Moving a CA to PostgreSQL").
 *
 * - The source is read inside one read transaction: one consistent snapshot even if something
 *   still writes to it (stop `ca serve` first anyway: what it writes after the snapshot is not
 *   copied).
 * - The target must be empty (`store_not_empty`); the schema is created by the normal migrations.
 * - Everything is copied in ONE PostgreSQL transaction, rows verbatim (serials, sequence numbers,
 *   audit hashes), and before it commits the audit chain is read back from the target and verified
 *   against the source's head: a failure rolls everything back and leaves the target empty.
 */
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { AUDIT_GENESIS_HASH, verifyAuditChain } from '../authority/audit-chain.js';
import { caError } from '../errors.js';
import { pgPoolConfig } from './pg-connect.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';
import { ignoreError } from './pg-group-commit.js';
import { PgCaStore } from './pg-store.js';
import { auditRecordFromRow, type Row } from './rows.js';
import { SqliteCaStore } from './sqlite-store.js';
import type { PgConnectionSpec } from './store-url.js';

/** Tables in foreign-key order, with the columns copied (the same names on both sides). */
const TABLES: readonly { readonly name: string; readonly columns: readonly string[]; readonly order: string; readonly booleans?: readonly string[] }[] = [
  { name: 'ca_certificates', columns: ['id', 'role', 'der', 'not_after', 'issuing', 'revoked_at', 'reason'], order: 'id', booleans: ['issuing'] },
  {
    name: 'certificates',
    columns: ['serial', 'seq', 'host', 'subject', 'sans', 'not_before', 'not_after', 'status', 'revoked_at', 'reason', 'fingerprint', 'der', 'issuer_id', 'renewed_from', 'issued_at', 'cert_ttl_seconds', 'legacy_fork'],
    order: 'seq',
    booleans: ['legacy_fork'],
  },
  { name: 'tokens', columns: ['hash', 'subject', 'sans', 'cert_ttl_seconds', 'created_at', 'expires_at', 'used_at', 'created_by'], order: 'hash' },
  { name: 'admin_tokens', columns: ['hash', 'id', 'role', 'name', 'created_at', 'expires_at', 'last_used_at', 'revoked_at', 'revoked_by'], order: 'hash' },
  { name: 'blocked_hosts', columns: ['host', 'blocked_at', 'reason'], order: 'host' },
  { name: 'crl_state', columns: ['issuer_id', 'number', 'this_update', 'next_update', 'der'], order: 'issuer_id' },
  { name: 'crl_numbers', columns: ['issuer_id', 'last'], order: 'issuer_id' },
  { name: 'ui_sessions', columns: ['id_hash', 'admin_token_id', 'created_at', 'last_seen_at', 'idle_expires_at', 'expires_at'], order: 'id_hash' },
  { name: 'audit_log', columns: ['seq', 'time', 'actor', 'action', 'details', 'prev_hash', 'hash'], order: 'seq' },
];

/** Rows per INSERT statement. */
const CHUNK = 500;

export interface MigrateToPgOptions {
  /** The SQLite file (opened, and upgraded to the current schema if older). */
  readonly sqliteFile: string;
  readonly target: PgConnectionSpec;
  readonly env?: NodeJS.ProcessEnv;
  readonly warn?: (message: string) => void;
  /** Progress: rows copied so far of a table. */
  readonly onProgress?: (table: string, rows: number) => void;
}

export interface MigrateToPgResult {
  /** Rows copied per table. */
  readonly rows: Readonly<Record<string, number>>;
  /** The audit chain head, the same in source and target. */
  readonly auditHead: { readonly seq: number; readonly hash: string };
}

export async function migrateSqliteToPg(o: MigrateToPgOptions): Promise<MigrateToPgResult> {
  if (!existsSync(o.sqliteFile)) throw caError('ca_not_found', `No CA database at ${o.sqliteFile}.`);
  const source = SqliteCaStore.open(o.sqliteFile);
  let target: PgCaStore | undefined;
  try {
    // Opening applies the schema (under its advisory lock).
    target = await PgCaStore.open(await pgPoolConfig(o.target, { env: o.env, warn: o.warn }));
    const client = await target.pool.connect();
    client.on('error', ignoreError);
    let broken: Error | undefined;
    try {
      return await copyAll(source.db, client, o);
    } catch (err) {
      if (isPgUnavailable(err)) broken = err as Error;
      throw mapPgError(err);
    } finally {
      client.off('error', ignoreError);
      client.release(broken);
    }
  } finally {
    await target?.close();
    await source.close();
  }
}

async function copyAll(db: Database.Database, client: pg.PoolClient, o: MigrateToPgOptions): Promise<MigrateToPgResult> {
  db.exec('BEGIN'); // a read snapshot of the source for the whole copy
  try {
    await client.query('BEGIN');
    try {
      // The same lock `ca init` takes: nobody creates a CA in the target meanwhile.
      await client.query('SELECT pg_advisory_xact_lock($1)', ['7228150310290004']);
      const busy: string[] = [];
      for (const t of TABLES) {
        if ((await client.query(`SELECT 1 FROM ${t.name} LIMIT 1`)).rows.length > 0) busy.push(t.name);
      }
      if (busy.length > 0) throw caError('store_not_empty', `The target database already holds data (${busy.join(', ')}); migrate only into an empty database.`);
      const rows: Record<string, number> = {};
      for (const t of TABLES) rows[t.name] = await copyTable(db, client, t, o);
      const head = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
      const auditHead = { seq: head ? Number(head.seq) : 0, hash: head ? String(head.hash) : AUDIT_GENESIS_HASH };
      await client.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [auditHead.seq, auditHead.hash]);
      await client.query("SELECT setval(pg_get_serial_sequence('certificates', 'seq'), GREATEST((SELECT max(seq) FROM certificates), 1), (SELECT count(*) > 0 FROM certificates))");
      await verifyTarget(client, auditHead, rows);
      await client.query('COMMIT');
      return { rows, auditHead };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  } finally {
    db.exec('COMMIT');
  }
}

async function copyTable(db: Database.Database, client: pg.PoolClient, t: (typeof TABLES)[number], o: MigrateToPgOptions): Promise<number> {
  const cols = t.columns.join(', ');
  let n = 0;
  let chunk: unknown[][] = [];
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const params: unknown[] = [];
    const values = chunk.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`);
    await client.query(`INSERT INTO ${t.name} (${cols}) VALUES ${values.join(', ')}`, params);
    n += chunk.length;
    chunk = [];
    o.onProgress?.(t.name, n);
  };
  const width = t.columns.length;
  for (const r of db.prepare(`SELECT ${cols} FROM ${t.name} ORDER BY ${t.order}`).iterate() as Iterable<Row>) {
    chunk.push(t.columns.map((c) => (t.booleans?.includes(c) ? Number(r[c]) === 1 : r[c])));
    if (chunk.length >= Math.floor(60_000 / width) || chunk.length >= CHUNK) {
      // better-sqlite3 keeps the iterator's statement open; the awaits here run no other statement on it.
      await flush();
    }
  }
  await flush();
  return n;
}

/** Inside the copying transaction: row counts, and the audit chain re-verified from the target's rows. */
async function verifyTarget(client: pg.PoolClient, head: { seq: number; hash: string }, rows: Record<string, number>): Promise<void> {
  for (const [table, count] of Object.entries(rows)) {
    const got = Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    if (got !== count) throw new Error(`copy check failed: ${table} has ${got} rows in the target, ${count} were copied`);
  }
  let prev = AUDIT_GENESIS_HASH;
  let next = 1;
  for (;;) {
    const page = (await client.query('SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 1000', [next])).rows.map(auditRecordFromRow);
    if (page.length === 0) break;
    const r = verifyAuditChain(page, prev, next);
    if (!r.ok) throw new Error(`the audit chain copied into the target is broken at record ${r.badSeq}: ${r.reason}`);
    prev = r.lastHash;
    next += r.count;
  }
  if (next - 1 !== head.seq || prev !== head.hash) throw new Error(`the target's audit chain ends at ${next - 1}:${prev}, the source's at ${head.seq}:${head.hash}`);
}
