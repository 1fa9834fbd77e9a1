/**
 * The logical form of a CA's store: every table that holds CA state, its columns and their types,
 * the same for every backend (both schemas use the same table and column names, `rows.ts`). A
 * snapshot is read from one consistent view of a store ({@link CaStore.exportSnapshot}) and loaded
 * into an empty store of either backend in one transaction ({@link CaStore.importSnapshot}).
 *
 * Used by `ca backup` / `ca restore` (the signed logical export, docs/operations.md) and by
 * `ca migrate-store` (SQLite to PostgreSQL, docs/ha.md). What is left out, on purpose:
 * - console sessions (`ui_sessions`): a restored or moved CA must not accept an old cookie; users
 *   sign in again;
 * - what a store derives itself: the console's name index (filled by a trigger), the audit head and
 *   the certificate sequence (set from the loaded rows), the CA state version, the schema version.
 */
import type { CaStore } from './ca-store.js';
import type { AuditRecord } from './types.js';

/**
 * What a store holds, in a few figures a person can compare: a backup's manifest records it, and a
 * restore or a check of an older backup's SQLite file computes it again.
 */
export interface StoreSummary {
  /** Rows of the certificate inventory (valid, revoked and expired). */
  readonly certificates: number;
  /** Highest CRL number of any issuer (0 when no CRL was made yet). */
  readonly crlNumber: number;
  /** CRL number per issuer (two during a rotation). */
  readonly crls: ReadonlyArray<{ readonly issuerId: string; readonly number: number }>;
  readonly auditRecords: number;
  /** Hash of the last audit record (the genesis hash when there is none). */
  readonly auditHead: string;
  /** Whether the whole chain verified; `auditBrokenAt` names the first bad record otherwise. */
  readonly auditVerified: boolean;
  readonly auditBrokenAt?: number;
}

export type SnapshotColumnType = 'text' | 'int' | 'bool' | 'bytes';

export interface SnapshotTable {
  readonly name: string;
  readonly columns: readonly (readonly [name: string, type: SnapshotColumnType])[];
  /** Columns of a total order (rows are exported in it, so two exports of one state are equal). */
  readonly order: readonly string[];
}

/** A JSON-safe value: integers as numbers, binary as base64, booleans as booleans. */
export type SnapshotValue = string | number | boolean | null;
/** One row, values in the order of the columns it comes with. */
export type SnapshotRow = readonly SnapshotValue[];

/** A run of rows of one table; `columns` names their values (a subset of the table's). */
export interface SnapshotChunk {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly SnapshotRow[];
}

const t = (name: string, order: readonly string[], columns: SnapshotTable['columns']): SnapshotTable => ({ name, columns, order });

/** Tables in foreign-key order (a table comes after those it references). */
export const SNAPSHOT_TABLES: readonly SnapshotTable[] = [
  t(
    'ca_certificates',
    ['id'],
    [
      ['id', 'text'],
      ['role', 'text'],
      ['der', 'bytes'],
      ['not_after', 'int'],
      ['issuing', 'bool'],
      ['revoked_at', 'int'],
      ['reason', 'text'],
      ['state', 'text'],
    ],
  ),
  t(
    'ca_config',
    ['id'],
    [
      ['id', 'int'],
      ['key_type', 'text'],
      ['subject', 'text'],
      ['intermediate', 'bool'],
      ['created_at', 'int'],
      ['root_id', 'text'],
      ['issuer_id', 'text'],
      ['pkcs11_module', 'text'],
      ['rotated_at', 'int'],
    ],
  ),
  t(
    'ca_keys',
    ['ca_id'],
    [
      ['ca_id', 'text'],
      ['kind', 'text'],
      ['value', 'text'],
    ],
  ),
  t(
    'certificates',
    ['seq'],
    [
      ['serial', 'text'],
      ['seq', 'int'],
      ['host', 'text'],
      ['subject', 'text'],
      ['sans', 'text'],
      ['not_before', 'int'],
      ['not_after', 'int'],
      ['status', 'text'],
      ['revoked_at', 'int'],
      ['reason', 'text'],
      ['fingerprint', 'text'],
      ['der', 'bytes'],
      ['issuer_id', 'text'],
      ['renewed_from', 'text'],
      ['issued_at', 'int'],
      ['cert_ttl_seconds', 'int'],
      ['legacy_fork', 'bool'],
    ],
  ),
  t(
    'tokens',
    ['hash'],
    [
      ['hash', 'text'],
      ['subject', 'text'],
      ['sans', 'text'],
      ['cert_ttl_seconds', 'int'],
      ['created_at', 'int'],
      ['expires_at', 'int'],
      ['used_at', 'int'],
      ['created_by', 'text'],
    ],
  ),
  t(
    'admin_tokens',
    ['hash'],
    [
      ['hash', 'text'],
      ['id', 'text'],
      ['role', 'text'],
      ['name', 'text'],
      ['created_at', 'int'],
      ['expires_at', 'int'],
      ['last_used_at', 'int'],
      ['revoked_at', 'int'],
      ['revoked_by', 'text'],
    ],
  ),
  t(
    'blocked_hosts',
    ['host'],
    [
      ['host', 'text'],
      ['blocked_at', 'int'],
      ['reason', 'text'],
    ],
  ),
  t(
    'crl_state',
    ['issuer_id'],
    [
      ['issuer_id', 'text'],
      ['number', 'int'],
      ['this_update', 'int'],
      ['next_update', 'int'],
      ['der', 'bytes'],
    ],
  ),
  t(
    'crl_numbers',
    ['issuer_id'],
    [
      ['issuer_id', 'text'],
      ['last', 'int'],
    ],
  ),
  t(
    'crl_history',
    ['issuer_id', 'number'],
    [
      ['issuer_id', 'text'],
      ['number', 'int'],
      ['this_update', 'int'],
      ['next_update', 'int'],
      ['der', 'bytes'],
    ],
  ),
  t(
    'rotation_state',
    ['id'],
    [
      ['id', 'int'],
      ['rotation_id', 'text'],
      ['version', 'int'],
      ['state', 'text'],
    ],
  ),
  t(
    'rotation_history',
    ['rotation_id'],
    [
      ['rotation_id', 'text'],
      ['outcome', 'text'],
      ['ended_at', 'int'],
      ['state', 'text'],
    ],
  ),
  t(
    'retained_crls',
    ['issuer_id'],
    [
      ['issuer_id', 'text'],
      ['kind', 'text'],
      ['since', 'int'],
      ['rotation_id', 'text'],
    ],
  ),
  t(
    'sync_targets',
    ['id'],
    [
      ['id', 'text'],
      ['trust_anchor_arn', 'text'],
      ['region', 'text'],
      ['endpoint', 'text'],
      ['created_at', 'int'],
    ],
  ),
  t(
    'crl_slots',
    ['slot', 'target_id'],
    [
      ['slot', 'text'],
      ['target_id', 'text'],
      ['crl_arn', 'text'],
      ['pushed_number', 'text'],
      ['pushed_sha256', 'text'],
      ['last_success_at', 'int'],
    ],
  ),
  t(
    'audit_log',
    ['seq'],
    [
      ['seq', 'int'],
      ['time', 'text'],
      ['actor', 'text'],
      ['action', 'text'],
      ['details', 'text'],
      ['prev_hash', 'text'],
      ['hash', 'text'],
    ],
  ),
];

export function snapshotTable(name: string): SnapshotTable | undefined {
  return SNAPSHOT_TABLES.find((x) => x.name === name);
}

/** Rows per chunk handed to a sink (and per INSERT statement on import). */
export const SNAPSHOT_CHUNK_ROWS = 500;

/** A database value as the snapshot keeps it. */
export function toSnapshotValue(v: unknown, type: SnapshotColumnType): SnapshotValue {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'int':
      return Number(v);
    case 'bool':
      return v === true || Number(v) === 1;
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return String(v);
  }
}

/** A snapshot value as a statement parameter (`sqliteBooleans`: 1/0 instead of true/false). */
export function fromSnapshotValue(v: SnapshotValue, type: SnapshotColumnType, sqliteBooleans: boolean): unknown {
  if (v === null) return null;
  switch (type) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`not an integer: ${String(v).slice(0, 40)}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new TypeError('not a boolean');
      return sqliteBooleans ? (v ? 1 : 0) : v;
    case 'bytes':
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new TypeError('not base64');
      return Buffer.from(v, 'base64');
    default:
      if (typeof v !== 'string') throw new TypeError('not a string');
      return v;
  }
}

/**
 * Checks a chunk against the table's columns before any of it reaches a database: a known table,
 * known and distinct columns, rows of the right width. Returns the table.
 */
export function checkChunk(c: SnapshotChunk): SnapshotTable {
  const table = snapshotTable(c.table);
  if (!table) throw new TypeError(`unknown table ${String(c.table).slice(0, 60)}`);
  const known = new Set(table.columns.map(([n]) => n));
  if (c.columns.length === 0 || new Set(c.columns).size !== c.columns.length || !c.columns.every((x) => known.has(x))) {
    throw new TypeError(`${table.name}: unexpected columns ${c.columns.join(',').slice(0, 200)}`);
  }
  for (const r of c.rows)
    if (!Array.isArray(r) || r.length !== c.columns.length) throw new TypeError(`${table.name}: a row does not have ${c.columns.length} values`);
  return table;
}

/** What a snapshot import lets its `verify` step read, inside the importing transaction. */
export interface SnapshotReader {
  listAudit(afterSeq: number, limit: number): Promise<readonly AuditRecord[]>;
  count(table: string): Promise<number>;
}

/** Rows loaded per table. */
export type SnapshotCounts = Readonly<Record<string, number>>;

/**
 * Connects an export to an import (`ca migrate-store`): the chunks the source hands to its sink
 * are consumed by the target as they come, one at a time (the source waits while the target
 * writes, so memory stays bounded). `end` is the producer's (done, or failed); `cancel` the
 * consumer's (it failed: the producer's next chunk is refused, so it stops reading).
 */
export function snapshotPipe(): {
  sink: (chunk: SnapshotChunk) => Promise<void>;
  source: AsyncIterable<SnapshotChunk>;
  end(err?: unknown): void;
  cancel(): void;
} {
  const queue: SnapshotChunk[] = [];
  let ended = false;
  let cancelled = false;
  let failure: unknown;
  let wakeReader: (() => void) | undefined;
  let wakeWriter: (() => void) | undefined;
  const wakeR = (): void => {
    wakeReader?.();
    wakeReader = undefined;
  };
  const wakeW = (): void => {
    wakeWriter?.();
    wakeWriter = undefined;
  };
  return {
    async sink(chunk) {
      if (cancelled) throw new Error('the import stopped');
      queue.push(chunk);
      wakeR();
      while (queue.length > 0 && !cancelled) await new Promise<void>((r) => (wakeWriter = r));
      if (cancelled) throw new Error('the import stopped');
    },
    end(err) {
      ended = true;
      failure = err;
      wakeR();
    },
    cancel() {
      cancelled = true;
      queue.length = 0;
      wakeW();
    },
    source: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (queue.length > 0) {
            yield queue.shift()!;
            wakeW();
            continue;
          }
          if (ended) {
            if (failure !== undefined) throw failure;
            return;
          }
          await new Promise<void>((r) => (wakeReader = r));
        }
      },
    },
  };
}

/** Copies one store into another (empty) one; `verify` runs in the target's transaction. */
export async function copySnapshot(
  from: CaStore,
  to: CaStore,
  verify: (r: SnapshotReader) => Promise<void>,
  onChunk?: (c: SnapshotChunk) => void,
): Promise<SnapshotCounts> {
  const pipe = snapshotPipe();
  const exporting = from
    .exportSnapshot(async (c) => {
      onChunk?.(c);
      await pipe.sink(c);
    })
    .then(
      () => pipe.end(),
      (err: unknown) => pipe.end(err),
    );
  const importing = to.importSnapshot(pipe.source, verify);
  importing.catch(() => pipe.cancel());
  const [imported] = await Promise.allSettled([importing, exporting]);
  if (imported.status === 'rejected') throw imported.reason;
  return imported.value;
}
