/**
 * The one store factory: every command and the server open the CA's store here, from a
 * {@link StoreLocation} (`store-url.ts`). Nothing outside `ca-server/src/store/` names a backend.
 */
import { existsSync } from 'node:fs';
import { caError } from '../errors.js';
import type { CaStore } from './ca-store.js';
import type { PgStoreOptions } from './pg-store.js';
import { SqliteCaStore, type SqliteStoreOptions } from './sqlite-store.js';
import { instrumentStore, renderStoreMetrics, StoreLatency } from './store-metrics.js';
import type { StoreLocation } from './store-url.js';
import type { LeaderLease } from '../leader/lease.js';

export type StoreBackend = StoreLocation['backend'];

export interface OpenedStore {
  /** The store, every call timed for `/metrics`. */
  readonly store: CaStore;
  readonly backend: StoreBackend;
  /** Where it is, without any password (for logs and messages). */
  readonly display: string;
  /** Background work of a long-running server (SQLite: WAL checkpoints on a thread); told its failure. */
  startMaintenance(onError: (err: unknown) => void): void;
  /** Prometheus text: latency per call, and the PostgreSQL pool and audit-head figures. */
  renderMetrics(): string;
  /**
   * PostgreSQL: a client of the leader lease on its own small pool (docs/ha.md "Work done once").
   * Undefined on SQLite, where the one serving process is always the leader.
   */
  readonly openLeaderLease?: (() => LeaderLease) | undefined;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  readonly location: StoreLocation;
  /**
   * Refuse to create a SQLite file that is not there (commands that only read a CA: a missing
   * file means a wrong --dir or a CA that lives in PostgreSQL, not an empty CA).
   */
  readonly mustExist?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Told about accepted but risky settings (a world-readable password file). */
  readonly warn?: (message: string) => void;
  /** Told about broken idle PostgreSQL connections (the pool replaces them). */
  readonly onPoolError?: (err: unknown) => void;
  readonly sqlite?: SqliteStoreOptions;
  readonly pg?: Omit<PgStoreOptions, 'onPoolError'>;
}

export async function openStore(o: OpenStoreOptions): Promise<OpenedStore> {
  const latency = new StoreLatency();
  const loc = o.location;
  if (loc.backend === 'sqlite') {
    if (o.mustExist && !existsSync(loc.file)) {
      throw caError('ca_not_found', `No CA database at ${loc.file}. If this CA keeps its store in PostgreSQL, pass --store-url (or set RAPKI_CA_STORE_URL).`);
    }
    const raw = SqliteCaStore.open(loc.file, o.sqlite);
    return {
      store: instrumentStore(raw, latency),
      backend: 'sqlite',
      display: loc.display,
      startMaintenance: (onError) => raw.checkpointInBackground(1000, onError),
      renderMetrics: () => renderStoreMetrics('sqlite', latency, undefined),
      close: () => raw.close(),
    };
  }
  // Loaded only for PostgreSQL: a SQLite CA does not pay for the driver at start.
  const { pgPoolConfig } = await import('./pg-connect.js');
  const { PgCaStore } = await import('./pg-store.js');
  const config = await pgPoolConfig(loc.spec, { env: o.env, warn: o.warn });
  const raw = await PgCaStore.open(config, { ...o.pg, onPoolError: o.onPoolError });
  const { PgLeaderLease } = await import('./pg-leader-lease.js');
  return {
    store: instrumentStore(raw, latency),
    backend: 'postgres',
    display: loc.display,
    startMaintenance: () => {},
    renderMetrics: () => renderStoreMetrics('postgres', latency, raw.stats()),
    openLeaderLease: () => PgLeaderLease.open(config, { onPoolError: o.onPoolError }),
    close: () => raw.close(),
  };
}

/** Opens the store, runs `fn`, closes it (one-shot commands). */
export async function withStore<T>(o: OpenStoreOptions, fn: (s: OpenedStore) => Promise<T>): Promise<T> {
  const s = await openStore(o);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}
