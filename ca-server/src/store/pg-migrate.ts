/**
 * Applies the PostgreSQL schema migrations (`pg-migrations.ts`), safely when several replicas start
 * at once: the whole run holds a session advisory lock, so one replica migrates while the others
 * wait and then find nothing left to do. Each migration runs in its own transaction together with
 * its `schema_migrations` row (PostgreSQL DDL is transactional), so a failing one leaves no trace.
 * A database migrated by a newer rapki (a version this build does not know) is refused: an older
 * replica must not write to a schema it does not understand.
 */
import type pg from 'pg';
import { caError } from '../errors.js';
import { PG_MIGRATIONS, type PgMigration } from './pg-migrations.js';

/** Key of the advisory lock held while migrating (any bigint unique to this purpose). */
export const PG_MIGRATION_LOCK_KEY = '7228150310290001';
/** Statement bound while migrating (the lock wait included). */
const MIGRATION_STATEMENT_TIMEOUT_MS = 10 * 60_000;

/** Runs pending migrations on `client` (a dedicated connection); returns the versions it applied. */
export async function migratePg(client: pg.ClientBase, migrations: readonly PgMigration[] = PG_MIGRATIONS, now: () => number = Date.now): Promise<number[]> {
  // Waiting for another replica's migration, or building an index on a big table, may take longer
  // than the pool's per-statement bound; still bounded. Reset before the connection goes back.
  await client.query(`SET statement_timeout = ${MIGRATION_STATEMENT_TIMEOUT_MS}`);
  await client.query('SELECT pg_advisory_lock($1)', [PG_MIGRATION_LOCK_KEY]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied].filter((v) => !known.has(v)).sort((a, b) => a - b);
    if (unknown.length > 0) {
      throw caError(
        'store_schema_newer',
        `The database has schema version(s) ${unknown.join(', ')} that this rapki does not know (it knows up to ${Math.max(...known)}); upgrade rapki on this node first.`,
      );
    }
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now()]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATION_LOCK_KEY]).catch(() => {});
    await client.query('RESET statement_timeout').catch(() => {});
  }
}

/** Applied versions, oldest first (tests, diagnostics). */
export async function pgSchemaVersions(q: pg.Pool | pg.ClientBase): Promise<number[]> {
  const r = await q.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  return r.rows.map((x) => Number(x.version));
}
