/**
 * The PostgreSQL {@link LeaderLease} (docs/ha.md "Work done once", migration 4): one row
 * `leader_lease('ca')` whose expiry is set and compared in the database's clock
 * (`clock_timestamp()`), so no replica's clock matters; and `crl_push_claims`, one row per CRL slot,
 * trust anchor and CRL issuer with the greatest CRL number claimed for a push and the term that
 * claimed it.
 *
 * It has its own small pool, apart from the store's: a leader whose store pool is saturated by
 * enrollments must still renew in time, and a renewal must not wait behind them. Every statement
 * is bounded (statement and query timeouts well under the lease length).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { LeaderLease, PushClaim } from '../leader/lease.js';
import { mapPgError } from './pg-errors.js';

const LEASE_NAME = 'ca';
const STATEMENT_TIMEOUT_MS = 1_000;

export class PgLeaderLease implements LeaderLease {
  readonly #pool: pg.Pool;
  /** This process: host, pid and a random part (a restarted process is a new holder). */
  readonly holder: string;

  private constructor(pool: pg.Pool, holder: string) {
    this.#pool = pool;
    this.holder = holder;
  }

  /** A lease client on its own pool of at most two connections. */
  static open(config: pg.PoolConfig, o: { holder?: string; onPoolError?: (err: unknown) => void } = {}): PgLeaderLease {
    const pool = new pg.Pool({
      ...config,
      max: 2,
      connectionTimeoutMillis: Math.min(config.connectionTimeoutMillis ?? 1_500, 1_500),
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 500,
      idle_in_transaction_session_timeout: 5_000,
    });
    pool.on('error', (err) => o.onPoolError?.(err));
    return new PgLeaderLease(pool, o.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`);
  }

  async acquire(ttlMs: number): Promise<number | undefined> {
    try {
      const r = await this.#pool.query(
        `INSERT INTO leader_lease (name, holder, term, expires_at) VALUES ($1, $2, 1, clock_timestamp() + make_interval(secs => $3::double precision / 1000))
         ON CONFLICT (name) DO UPDATE SET
           term = CASE WHEN leader_lease.holder = excluded.holder AND leader_lease.expires_at > clock_timestamp() THEN leader_lease.term ELSE leader_lease.term + 1 END,
           holder = excluded.holder,
           expires_at = excluded.expires_at
         WHERE (leader_lease.holder = excluded.holder AND leader_lease.expires_at > clock_timestamp()) OR leader_lease.expires_at <= clock_timestamp()
         RETURNING term`,
        [LEASE_NAME, this.holder, ttlMs],
      );
      return r.rows.length === 1 ? Number(r.rows[0].term) : undefined;
    } catch (err) {
      throw mapPgError(err);
    }
  }

  async release(term: number): Promise<void> {
    try {
      await this.#pool.query(
        "UPDATE leader_lease SET expires_at = clock_timestamp() - interval '1 millisecond' WHERE name = $1 AND holder = $2 AND term = $3",
        [LEASE_NAME, this.holder, term],
      );
    } catch (err) {
      throw mapPgError(err);
    }
  }

  async claimPush(claim: PushClaim, term: number): Promise<boolean> {
    try {
      // The lease row is share-locked for the statement: a takeover (an UPDATE of that row) waits
      // for this claim, and a claim never sees a lease that was taken over before it.
      const r = await this.#pool.query(
        `WITH lease AS (
           SELECT term FROM leader_lease WHERE name = $1 AND holder = $2 AND term = $3 AND expires_at > clock_timestamp() FOR SHARE
         ), target AS (
           SELECT id FROM sync_targets WHERE id = $5 FOR SHARE
         )
         INSERT INTO crl_push_claims (slot, target_id, issuer, crl_number, term, claimed_at)
         SELECT $4, target.id, $7, $6::numeric, lease.term, clock_timestamp() FROM lease, target
         ON CONFLICT (slot, target_id, issuer) DO UPDATE SET crl_number = excluded.crl_number, term = excluded.term, claimed_at = excluded.claimed_at
         WHERE crl_push_claims.crl_number < excluded.crl_number OR (crl_push_claims.crl_number = excluded.crl_number AND crl_push_claims.term = excluded.term)
         RETURNING 1`,
        [LEASE_NAME, this.holder, term, claim.slot, claim.targetId, claim.number.toString(), claim.issuer],
      );
      return r.rows.length === 1;
    } catch (err) {
      throw mapPgError(err);
    }
  }

  /** Pool figures for `/metrics`. */
  stats(): { total: number; idle: number; waiting: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => undefined);
  }
}
