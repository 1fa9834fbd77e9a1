/**
 * Group commit for the PostgreSQL store (`pg-store.ts`): each write operation is queued, and the
 * operations queued while earlier groups run go together into one transaction on one connection,
 * at most {@link MAX_GROUPS_IN_FLIGHT} groups at a time.
 *
 * - An operation runs its checks before its writes; one that fails before writing anything (and
 *   without a failed statement) fails alone and the group goes on.
 * - If anything in a group fails at the database (a deadlock with another replica, a unique index),
 *   the group is rolled back and each operation is run again alone (retried on deadlock or
 *   serialization failure), so one operation's failure never fails another.
 * - The audit records of the group are chained last: the one `audit_head` row is locked, the records
 *   numbered and linked after it, the head moved, and the transaction committed. That lock is the
 *   only point where every group of every replica lines up, and it is held only for the audit insert
 *   and the commit (its wait and hold times are counted for `/metrics`, docs/ha.md).
 * - A connection failure fails the group with `store_unavailable` and drops the connection; each
 *   group is one transaction, so nothing is half-written.
 */
import type pg from 'pg';
import { AUDIT_GENESIS_HASH, auditRecordHash } from '../../../common/src/audit/audit-chain.js';
import { caError } from '../errors.js';
import { isPgRetryable, isPgUnavailable, isPgUniqueViolation, mapPgError } from './pg-errors.js';
import type { Row } from './rows.js';
import type { AuditDraft, AuditRecord } from './types.js';

/** Most operations committed together. */
const MAX_BATCH = 256;
/**
 * Groups in flight at once (each on its own connection). One group's statements run one after
 * another on its connection, so on a busy machine a single group is bound by round trips; several
 * overlap them and meet only at the audit head, which each holds just for its insert and commit.
 */
const MAX_GROUPS_IN_FLIGHT = 4;
/** Operations waiting beyond this are refused at once (store_unavailable) instead of queueing without bound. */
const MAX_QUEUE = 20_000;
/** Retries of an operation run alone after a deadlock or serialization failure. */
const MAX_RETRIES = 3;

/** What an operation sees: reads, writes (counted), and the audit records it wants appended. */
export interface OpCtx {
  read(sql: string, params?: readonly unknown[]): Promise<pg.QueryResult<Row>>;
  /** A statement that may modify rows; counts as a write when it changed at least one. */
  write(sql: string, params?: readonly unknown[]): Promise<pg.QueryResult<Row>>;
  audit(d: AuditDraft): void;
}

interface Op {
  readonly fn: (ctx: OpCtx) => Promise<unknown>;
  readonly returnsAudit: boolean;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

type OpOutcome = { readonly ok: true; readonly value: unknown; readonly audits: AuditDraft[] } | { readonly ok: false; readonly err: unknown };

/** The group failed at the database: `stage` says where (an operation, the audit, the commit). */
class GroupFailed {
  constructor(
    readonly err: unknown,
    readonly stage: 'op' | 'audit' | 'commit',
  ) {}
}

/** Counters for `/metrics`. */
export interface GroupCommitStats {
  readonly queued: number;
  readonly transactions: number;
  readonly operations: number;
  /** Summed wait for the audit head lock, and time it was held (ms). */
  readonly auditHeadWaitMs: number;
  readonly auditHeadHoldMs: number;
  readonly auditHeadLocks: number;
}

export class PgGroupCommit {
  readonly #pool: pg.Pool;
  readonly #queue: Op[] = [];
  #inFlight = new Set<Promise<void>>();
  #scheduled = false;
  #closed = false;
  #stats = { transactions: 0, operations: 0, auditHeadWaitMs: 0, auditHeadHoldMs: 0, auditHeadLocks: 0 };

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  stats(): GroupCommitStats {
    return { queued: this.#queue.length, ...this.#stats };
  }

  /** Refuses new operations and waits for the queued ones. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#inFlight.size > 0 || this.#scheduled) await Promise.race([...this.#inFlight, new Promise((r) => setImmediate(r))]);
  }

  /** Queues an operation for the next group commit; settles after its transaction committed. */
  run<T>(fn: (ctx: OpCtx) => Promise<T>, returnsAudit = false): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    if (this.#queue.length >= MAX_QUEUE) return Promise.reject(caError('store_unavailable', 'Too many database operations are waiting.'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, returnsAudit, resolve: resolve as (v: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Starts groups (after this turn of the event loop, so that operations queued together go together). */
  #schedule(): void {
    if (this.#scheduled || this.#inFlight.size >= MAX_GROUPS_IN_FLIGHT || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#inFlight.size < MAX_GROUPS_IN_FLIGHT && this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        const run: Promise<void> = this.#runGroup(batch).finally(() => {
          this.#inFlight.delete(run);
          this.#schedule();
        });
        this.#inFlight.add(run);
      }
    });
  }

  async #runGroup(batch: Op[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
      // A checked-out connection that breaks between statements emits 'error'; unheard, that
      // would end the process. The failure also reaches the statement that uses it.
      client.on('error', ignoreError);
    } catch (err) {
      const e = mapPgError(err);
      for (const op of batch) op.reject(e);
      return;
    }
    let broken: Error | undefined;
    try {
      const first = await this.#attempt(client, batch);
      if (!(first instanceof GroupFailed)) {
        this.#settle(batch, first);
        return;
      }
      if (isPgUnavailable(first.err)) {
        broken = first.err instanceof Error ? first.err : new Error(String(first.err));
        const e = mapPgError(first.err);
        for (const op of batch) op.reject(e);
        return;
      }
      // Something in the group failed at the database: each operation alone, in order.
      for (let i = 0; i < batch.length; i++) {
        const op = batch[i]!;
        let outcome = await this.#attempt(client, [op]);
        for (let retry = 0; outcome instanceof GroupFailed && isPgRetryable(outcome.err) && retry < MAX_RETRIES; retry++) {
          outcome = await this.#attempt(client, [op]);
        }
        if (outcome instanceof GroupFailed) {
          if (isPgUnavailable(outcome.err)) {
            broken = outcome.err instanceof Error ? outcome.err : new Error(String(outcome.err));
            const e = mapPgError(outcome.err);
            for (const rest of batch.slice(i)) rest.reject(e);
            return;
          }
          op.reject(soloError(outcome));
        } else {
          this.#settle([op], outcome);
        }
      }
    } catch (err) {
      // Only a bug gets here (attempt catches database errors): fail the group, drop the connection.
      broken = err instanceof Error ? err : new Error(String(err));
      for (const op of batch) op.reject(err);
    } finally {
      client.off('error', ignoreError);
      client.release(broken);
    }
  }

  /** Resolves each operation with its value (or its audit record) once its group committed. */
  #settle(batch: Op[], outcome: { results: OpOutcome[]; records: AuditRecord[][] }): void {
    batch.forEach((op, i) => {
      const r = outcome.results[i]!;
      if (!r.ok) op.reject(r.err);
      else op.resolve(op.returnsAudit ? outcome.records[i]![0] : r.value);
    });
  }

  /**
   * One transaction for `ops`. An operation that throws before it wrote anything and without a
   * failed statement fails alone (its checks); anything else fails the group (rolled back).
   */
  async #attempt(client: pg.PoolClient, ops: Op[]): Promise<{ results: OpOutcome[]; records: AuditRecord[][] } | GroupFailed> {
    try {
      await client.query('BEGIN');
    } catch (err) {
      return new GroupFailed(err, 'op');
    }
    const results: OpOutcome[] = [];
    for (const op of ops) {
      let wrote = false;
      let failed: unknown;
      const audits: AuditDraft[] = [];
      const run = async (sql: string, params: readonly unknown[] | undefined, isWrite: boolean): Promise<pg.QueryResult<Row>> => {
        try {
          const r = await client.query<Row>(sql, (params ?? []) as unknown[]);
          if (isWrite && (r.rowCount ?? 0) > 0) wrote = true;
          return r;
        } catch (err) {
          failed = err;
          throw err;
        }
      };
      const ctx: OpCtx = {
        read: (sql, params) => run(sql, params, false),
        write: (sql, params) => run(sql, params, true),
        audit: (d) => audits.push(d),
      };
      try {
        results.push({ ok: true, value: await op.fn(ctx), audits });
      } catch (err) {
        if (failed === undefined && !wrote && ops.length > 1) {
          results.push({ ok: false, err });
          continue;
        }
        if (failed === undefined && !wrote) {
          // Alone: its own check failed; nothing to keep.
          await client.query('ROLLBACK').catch(() => {});
          return { results: [{ ok: false, err }], records: [[]] };
        }
        await client.query('ROLLBACK').catch(() => {});
        return new GroupFailed(failed ?? err, 'op');
      }
    }
    let records: AuditRecord[][];
    const lock: { at?: number } = {};
    try {
      records = await this.#appendAudits(client, results, lock);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      return new GroupFailed(err, 'audit');
    }
    try {
      await client.query('COMMIT');
    } catch (err) {
      return new GroupFailed(err, 'commit');
    } finally {
      if (lock.at !== undefined) this.#stats.auditHeadHoldMs += performance.now() - lock.at;
    }
    this.#stats.transactions += 1;
    this.#stats.operations += ops.length;
    return { results, records };
  }

  /** Locks the audit head, chains every record of the group after it, moves the head (`lock.at`: when the lock was granted). */
  async #appendAudits(client: pg.PoolClient, results: OpOutcome[], lock: { at?: number }): Promise<AuditRecord[][]> {
    const records: AuditRecord[][] = results.map(() => []);
    if (!results.some((r) => r.ok && r.audits.length > 0)) return records;
    const t0 = performance.now();
    const head = (await client.query<Row>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE')).rows[0];
    lock.at = performance.now();
    this.#stats.auditHeadWaitMs += lock.at - t0;
    this.#stats.auditHeadLocks += 1;
    let seq = head ? Number(head.seq) : 0;
    let prev = head ? String(head.hash) : AUDIT_GENESIS_HASH;
    const values: string[] = [];
    const params: unknown[] = [];
    results.forEach((r, i) => {
      if (!r.ok) return;
      for (const d of r.audits) {
        seq += 1;
        const fields = { seq, time: d.time.toISOString(), actor: d.actor, action: d.action, details: d.details };
        const hash = auditRecordHash(prev, fields);
        const n = params.length;
        values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7})`);
        params.push(seq, fields.time, fields.actor, fields.action, JSON.stringify(fields.details), prev, hash);
        records[i]!.push({ ...fields, prevHash: prev, hash });
        prev = hash;
      }
    });
    params.push(seq, prev);
    await client.query(
      `WITH ins AS (INSERT INTO audit_log (seq, time, actor, action, details, prev_hash, hash) VALUES ${values.join(', ')} RETURNING 1)
       UPDATE audit_head SET seq = $${params.length - 1}, hash = $${params.length} WHERE id = 1 AND (SELECT count(*) FROM ins) > 0`,
      params,
    );
    return records;
  }
}

/** For checked-out connections: their failure is reported by the statement that uses them. */
export function ignoreError(): void {}

/** The error an operation run alone reports. */
function soloError(f: GroupFailed): unknown {
  if (f.stage === 'op' && isPgUniqueViolation(f.err, 'certificates_one_successor')) return caError('certificate_superseded', undefined, { cause: f.err });
  if (f.stage === 'audit') return caError('audit_write_failed', undefined, { cause: f.err });
  return mapPgError(f.err);
}
