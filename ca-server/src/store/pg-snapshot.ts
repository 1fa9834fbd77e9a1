/**
 * Snapshot export and import for the PostgreSQL store (`snapshot.ts`): the export reads every table
 * in one REPEATABLE READ, READ ONLY transaction through a cursor (bounded memory, replicas keep
 * writing); the import loads an empty database in one transaction under the `ca init` lock, sets
 * what the database derives (the certificate sequence, the audit head, the CA state version) and
 * runs the caller's check before the commit, so a failure leaves the database empty.
 */
import type pg from 'pg';
import { caError } from '../errors.js';
import { ignoreError } from './pg-group-commit.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';
import { auditRecordFromRow, type Row } from './rows.js';
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

/** Advisory lock (xact) of `ca init` into an empty database; an import takes it too. */
export const CA_INIT_LOCK = '7228150310290004';

async function withClient<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect().catch((err: unknown) => {
    throw mapPgError(err);
  });
  client.on('error', ignoreError);
  let broken: Error | undefined;
  try {
    return await fn(client);
  } catch (err) {
    if (isPgUnavailable(err)) broken = err instanceof Error ? err : new Error(String(err));
    throw mapPgError(err);
  } finally {
    client.off('error', ignoreError);
    client.release(broken);
  }
}

/** ORDER BY of a table, text columns in binary order (the same order as SQLite's). */
function orderBy(t: (typeof SNAPSHOT_TABLES)[number]): string {
  return t.order.map((c) => (t.columns.find(([n]) => n === c)?.[1] === 'text' ? `${c} COLLATE "C"` : c)).join(', ');
}

export async function exportPgSnapshot(pool: pg.Pool, sink: (chunk: SnapshotChunk) => Promise<void>): Promise<void> {
  await withClient(pool, async (c) => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      for (const t of SNAPSHOT_TABLES) {
        const columns = t.columns.map(([n]) => n);
        await c.query(`DECLARE rapki_snapshot NO SCROLL CURSOR FOR SELECT ${columns.join(', ')} FROM ${t.name} ORDER BY ${orderBy(t)}`);
        let sent = false;
        for (;;) {
          const r = await c.query<Row>(`FETCH ${SNAPSHOT_CHUNK_ROWS} FROM rapki_snapshot`);
          if (r.rows.length === 0 && sent) break;
          await sink({ table: t.name, columns, rows: r.rows.map((row) => t.columns.map(([n, type]) => toSnapshotValue(row[n], type))) });
          sent = true;
          if (r.rows.length < SNAPSHOT_CHUNK_ROWS) break;
        }
        await c.query('CLOSE rapki_snapshot');
      }
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}

export async function importPgSnapshot(
  pool: pg.Pool,
  source: AsyncIterable<SnapshotChunk>,
  verify: (r: SnapshotReader) => Promise<void>,
): Promise<SnapshotCounts> {
  return withClient(pool, async (c) => {
    await c.query('BEGIN');
    try {
      // The lock `ca init` takes: nobody creates a CA in this database meanwhile.
      await c.query('SELECT pg_advisory_xact_lock($1)', [CA_INIT_LOCK]);
      const busy: string[] = [];
      for (const t of SNAPSHOT_TABLES) if ((await c.query(`SELECT 1 FROM ${t.name} LIMIT 1`)).rows.length > 0) busy.push(t.name);
      if (busy.length > 0)
        throw caError('store_not_empty', `The target database already holds data (${busy.join(', ')}); load a snapshot only into an empty database.`);
      const counts: Record<string, number> = {};
      for await (const chunk of source) {
        const table = checkChunk(chunk);
        counts[table.name] ??= 0;
        if (chunk.rows.length === 0) continue;
        const types = chunk.columns.map((col) => table.columns.find(([n]) => n === col)![1]);
        const params: unknown[] = [];
        const values = chunk.rows.map((r) => `(${r.map((v, i) => (params.push(fromSnapshotValue(v, types[i]!, false)), `$${params.length}`)).join(', ')})`);
        await c.query(`INSERT INTO ${table.name} (${chunk.columns.join(', ')}) VALUES ${values.join(', ')}`, params);
        counts[table.name] = (counts[table.name] ?? 0) + chunk.rows.length;
      }
      // What the database derives from the rows: the next certificate seq, the audit head, the state version.
      await c.query(
        "SELECT setval(pg_get_serial_sequence('certificates', 'seq'), GREATEST((SELECT max(seq) FROM certificates), 1), (SELECT count(*) > 0 FROM certificates))",
      );
      await c.query(
        `UPDATE audit_head SET seq = coalesce((SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1), 0),
           hash = coalesce((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), repeat('0', 64)) WHERE id = 1`,
      );
      await c.query('UPDATE ca_state SET version = version + 1 WHERE id = 1');
      await verify({
        listAudit: async (afterSeq, limit) =>
          (await c.query<Row>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])).rows.map(auditRecordFromRow),
        count: async (table) => {
          if (!SNAPSHOT_TABLES.some((t) => t.name === table)) throw new TypeError(`unknown table ${table}`);
          return Number((await c.query<Row>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
        },
      });
      await c.query('COMMIT');
      return counts;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}
