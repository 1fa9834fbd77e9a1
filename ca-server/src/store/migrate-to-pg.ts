/**
 * `rapki ca migrate-store`: copies a CA's store into an empty PostgreSQL database (docs/ha.md
 * "Moving a CA to PostgreSQL"): every table of the CA's state (`snapshot.ts`: inventory, tokens,
 * audit chain, CRLs, configuration and encrypted keys, rotation state and history, kept CRLs, sync
 * targets and their CRL slots), not only the inventory.
 *
 * - The source is read from one consistent snapshot (stop `ca serve` first anyway: what it writes
 *   after the snapshot is not copied).
 * - The target must be empty (`store_not_empty`); its schema comes from the normal migrations.
 * - Everything is loaded in ONE PostgreSQL transaction, rows verbatim (serials, sequence numbers,
 *   audit hashes), and before it commits the audit chain is read back from the target's rows and
 *   verified against the source's head: a failure rolls everything back and leaves the target empty.
 */
import { AUDIT_GENESIS_HASH, verifyAuditChain } from '../../../common/src/audit/audit-chain.js';
import { caError } from '../errors.js';
import type { CaStore } from './ca-store.js';
import { pgPoolConfig } from './pg-connect.js';
import { PgCaStore } from './pg-store.js';
import { copySnapshot, type SnapshotCounts } from './snapshot.js';
import type { PgConnectionSpec } from './store-url.js';

export interface MigrateToPgOptions {
  /** The source store, opened (through the CA directory, so an older directory is upgraded first). */
  readonly source: CaStore;
  readonly target: PgConnectionSpec;
  readonly env?: NodeJS.ProcessEnv;
  readonly warn?: (message: string) => void;
  /** Progress: rows copied so far of a table. */
  readonly onProgress?: (table: string, rows: number) => void;
}

export interface MigrateToPgResult {
  /** Rows copied per table. */
  readonly rows: SnapshotCounts;
  /** The audit chain head, the same in source and target. */
  readonly auditHead: { readonly seq: number; readonly hash: string };
}

/** The audit chain of a store, verified page by page; its head. */
async function auditHeadOf(
  list: (afterSeq: number, limit: number) => Promise<readonly import('./types.js').AuditRecord[]>,
): Promise<{ seq: number; hash: string }> {
  let prev = AUDIT_GENESIS_HASH;
  let seq = 0;
  for (;;) {
    const page = await list(seq, 1000);
    if (page.length === 0) return { seq, hash: prev };
    const v = verifyAuditChain(page, prev, seq + 1);
    if (!v.ok) throw new Error(`the audit chain is broken at record ${v.badSeq}: ${v.reason}`);
    prev = v.lastHash;
    seq += v.count;
  }
}

export async function migrateToPg(o: MigrateToPgOptions): Promise<MigrateToPgResult> {
  if (!(await o.source.getCaState()).config) throw caError('ca_not_found', 'The source store holds no CA.');
  // The source head before the copy; the copy is one snapshot of it (or later, if something still writes).
  const sourceHead = await auditHeadOf((a, l) => o.source.listAudit(a, l));
  const target = await PgCaStore.open(await pgPoolConfig(o.target, { env: o.env, warn: o.warn }));
  try {
    const seen: Record<string, number> = {};
    let copiedHead: { seq: number; hash: string } | undefined;
    const rows = await copySnapshot(
      o.source,
      target,
      async (r) => {
        copiedHead = await auditHeadOf((a, l) => r.listAudit(a, l)).catch((err: unknown) => {
          throw new Error(`the audit chain copied into the target does not verify: ${(err as Error).message}`);
        });
        if (copiedHead.seq < sourceHead.seq) throw new Error(`the target's audit chain ends at ${copiedHead.seq}, before the source's head ${sourceHead.seq}`);
      },
      (c) => {
        seen[c.table] = (seen[c.table] ?? 0) + c.rows.length;
        if (c.rows.length > 0) o.onProgress?.(c.table, seen[c.table]!);
      },
    );
    return { rows, auditHead: copiedHead! };
  } finally {
    await target.close();
  }
}
