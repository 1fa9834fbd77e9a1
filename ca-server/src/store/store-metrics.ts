/**
 * Store latency and health for `/metrics` (Prometheus text format 0.0.4): every {@link CaStore}
 * call is timed by a thin wrapper (the same for every backend), and the PostgreSQL store adds its
 * pool, its group-commit counters and the time its transactions waited for and held the audit
 * head lock — the one point where every replica's writes line up (docs/ha.md).
 */
import { isRapkiError } from '../../../common/src/errors.js';
import type { CaStore } from './ca-store.js';
import type { PgStoreStats } from './pg-store.js';

/** Histogram bucket bounds in seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Latency per store method, and how many calls failed because the store was unavailable. */
export class StoreLatency {
  readonly #ops = new Map<string, Histogram>();
  unavailable = 0;

  observe(op: string, seconds: number, unavailable: boolean): void {
    let h = this.#ops.get(op);
    if (!h) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#ops.set(op, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]! += 1;
    h.sum += seconds;
    h.count += 1;
    if (unavailable) this.unavailable += 1;
  }

  /** Snapshot per method (tests, bench). */
  snapshot(): ReadonlyMap<string, { readonly count: number; readonly sum: number }> {
    return new Map([...this.#ops].map(([k, h]) => [k, { count: h.count, sum: h.sum }]));
  }

  render(out: string[]): void {
    const name = 'rapki_ca_store_operation_seconds';
    out.push(`# HELP ${name} Time of CA store calls by method (includes waiting for the group commit).`, `# TYPE ${name} histogram`);
    for (const [op, h] of [...this.#ops].sort(([a], [b]) => a.localeCompare(b))) {
      BUCKETS.forEach((b, i) => out.push(`${name}_bucket{op="${op}",le="${b}"} ${h.counts[i]}`));
      out.push(`${name}_bucket{op="${op}",le="+Inf"} ${h.count}`, `${name}_sum{op="${op}"} ${h.sum}`, `${name}_count{op="${op}"} ${h.count}`);
    }
    out.push(
      '# HELP rapki_ca_store_unavailable_total Store calls that failed because the database was unreachable or timed out.',
      '# TYPE rapki_ca_store_unavailable_total counter',
      `rapki_ca_store_unavailable_total ${this.unavailable}`,
    );
  }
}

/**
 * The store with every method timed into `latency`. A Proxy, so methods added to CaStore later are
 * timed too; methods run on the real object (private fields stay reachable).
 */
export function instrumentStore<S extends CaStore>(store: S, latency: StoreLatency): S {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      let w = wrapped.get(prop);
      if (!w) {
        const fn = v as (...a: unknown[]) => unknown;
        const op = String(prop);
        w = (...args: unknown[]): unknown => {
          const t0 = performance.now();
          const r = fn.apply(target, args);
          if (!(r instanceof Promise)) return r;
          return r.then(
            (value) => {
              latency.observe(op, (performance.now() - t0) / 1000, false);
              return value;
            },
            (err: unknown) => {
              latency.observe(op, (performance.now() - t0) / 1000, isRapkiError(err) && err.code === 'store_unavailable');
              throw err;
            },
          );
        };
        wrapped.set(prop, w);
      }
      return w;
    },
  });
}

/** Everything the store contributes to `/metrics`. */
export function renderStoreMetrics(backend: string, latency: StoreLatency, pg: PgStoreStats | undefined): string {
  const out: string[] = [];
  const gauge = (name: string, help: string, rows: [string, number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, v] of rows) out.push(`${name}${labels} ${v}`);
  };
  const counter = (name: string, help: string, v: number): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${v}`);
  };
  gauge('rapki_ca_store_info', 'The store backend in use.', [[`{backend="${backend}"}`, 1]]);
  latency.render(out);
  if (pg) {
    gauge('rapki_ca_store_pool_connections', 'Database connections of the pool by state.', [
      ['{state="total"}', pg.poolTotal],
      ['{state="idle"}', pg.poolIdle],
    ]);
    gauge('rapki_ca_store_pool_max', 'Largest size of the connection pool.', [['', pg.poolMax]]);
    gauge('rapki_ca_store_pool_waiting', 'Requests waiting for a free database connection.', [['', pg.poolWaiting]]);
    gauge('rapki_ca_store_queue_depth', 'Write operations waiting for the next group commit.', [['', pg.queued]]);
    counter('rapki_ca_store_transactions_total', 'Write transactions committed (each carries one or more operations).', pg.transactions);
    counter('rapki_ca_store_operations_total', 'Write operations committed.', pg.operations);
    counter('rapki_ca_store_audit_head_locks_total', 'Transactions that locked the audit chain head.', pg.auditHeadLocks);
    counter(
      'rapki_ca_store_audit_head_wait_seconds_total',
      'Time spent waiting for the audit chain head lock (other transactions or replicas held it).',
      pg.auditHeadWaitMs / 1000,
    );
    counter('rapki_ca_store_audit_head_hold_seconds_total', 'Time the audit chain head lock was held (audit insert and commit).', pg.auditHeadHoldMs / 1000);
  }
  return `${out.join('\n')}\n`;
}
