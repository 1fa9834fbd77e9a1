/**
 * One serving process per CA directory. Two `rapki ca serve` on one SQLite store both started,
 * then published diverging CRLs (one numbered 3 with a revocation, the other 2 without it) and
 * pushed both to Roles Anywhere. The serving process now holds an exclusive lock for its whole
 * life; a second one fails at once with `store_locked`, naming the holder (pid, host, since).
 *
 * The lock is a kernel file lock, so it goes away with the process however it ends (crash,
 * SIGKILL, power loss): no stale lock file to clean up by hand. It is taken through SQLite on a
 * small file of its own, `D/serve.lock` (not on `ca.db`, which `ca backup` and `audit verify
 * --dir` read while the server runs): the holder writes its row and then keeps a write
 * transaction open (SQLite's RESERVED lock), which stops any other writer but lets a contender
 * read who holds it.
 *
 * The interface is narrow on purpose ({@link StoreLock}): a store that several replicas may share
 * (PostgreSQL) needs no such lock, or another kind.
 */
import Database from 'better-sqlite3';
import { chmodSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../common/src/clock-and-random.js';
import { caError } from '../errors.js';

/** The lock file in the CA directory. */
export const SERVE_LOCK_FILE = 'serve.lock';

/** Who holds the lock. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO 8601 time the lock was taken. */
  readonly since: string;
}

/** An exclusive hold on a CA store, kept until {@link StoreLock.release} or the process ends. */
export interface StoreLock {
  readonly holder: LockHolder;
  release(): void;
}

/**
 * Takes the serving lock of the CA directory `dir`, or throws `store_locked` (with the holder in
 * `details`) when another process holds it. Never waits.
 */
export function acquireServeLock(dir: string, o: { clock?: Clock; pid?: number; host?: string } = {}): StoreLock {
  const path = join(dir, SERVE_LOCK_FILE);
  const me: LockHolder = { pid: o.pid ?? process.pid, host: o.host ?? hostname(), since: (o.clock?.() ?? new Date()).toISOString() };
  const db = new Database(path, { timeout: 0 });
  try {
    chmodSync(path, 0o600);
    db.pragma('journal_mode = DELETE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL)');
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    const holder = busy(err) ? readHolder(db) : undefined;
    db.close();
    if (busy(err)) {
      const who = holder ? `pid ${holder.pid} on host ${holder.host} since ${holder.since}` : 'another process';
      throw caError(
        'store_locked',
        `The CA directory ${dir} is served by ${who} (rapki ca serve); stop that process first: two servers on one directory publish diverging CRLs.`,
        {
          cause: err,
          details: holder ? { ...holder } : {},
        },
      );
    }
    throw err;
  }
  // Inside the open transaction: committed rows stay readable to contenders, nobody else can write.
  db.prepare('INSERT OR REPLACE INTO holder (id, pid, host, since) VALUES (1, ?, ?, ?)').run(me.pid, me.host, me.since);
  // The row must be visible to contenders, so it is committed; then the hold is taken again.
  db.exec('COMMIT');
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    db.close();
    // Another process slipped in between the commit and the new hold: it holds the lock now.
    if (busy(err)) return acquireServeLock(dir, o);
    throw err;
  }
  let released = false;
  return {
    holder: me,
    release() {
      if (released) return;
      released = true;
      try {
        db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
  };
}

function busy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function readHolder(db: Database.Database): LockHolder | undefined {
  try {
    const r = db.prepare('SELECT pid, host, since FROM holder WHERE id = 1').get() as LockHolder | undefined;
    return r ? { pid: Number(r.pid), host: String(r.host), since: String(r.since) } : undefined;
  } catch {
    return undefined;
  }
}
