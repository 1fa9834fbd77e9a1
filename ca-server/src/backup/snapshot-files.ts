/**
 * The store's logical export as files of a backup (`store/<table>.ndjson`, docs/operations.md
 * "Backup and restore"): one file per table of `store/snapshot.ts`, a header line naming the table
 * and its columns, then one JSON array per row, in the table's total order. Plain text an operator
 * can read with `head` and `jq`, the same whichever backend the CA runs on, loadable into either.
 *
 * The summary (`DatabaseSummary`: certificate count, CRL numbers, audit records and head, and
 * whether the chain verifies) is computed while the rows stream, with the authority's own
 * {@link verifyAuditChain}, so `backup.json` describes exactly the bytes in the files, and `restore`
 * recomputes it from the files before anything is loaded.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AUDIT_GENESIS_HASH, auditRecordHash } from '../../../common/src/audit/audit-chain.js';
import type { CaStore } from '../store/ca-store.js';
import { SNAPSHOT_CHUNK_ROWS, SNAPSHOT_TABLES, type SnapshotChunk, type SnapshotRow, type StoreSummary } from '../store/snapshot.js';
import { backupError } from './errors.js';

/** Directory of the table files inside a backup. */
export const STORE_DIR = 'store';

export function tableFile(table: string): string {
  return `${STORE_DIR}/${table}.ndjson`;
}

/** What a backup's database part holds (the manifest's `database`). */
export type DatabaseSummary = StoreSummary;

/** Computes the summary from chunks as they pass. */
export class SummaryBuilder {
  #certificates = 0;
  #crls: { issuerId: string; number: number }[] = [];
  #records = 0;
  #prev = AUDIT_GENESIS_HASH;
  #last = AUDIT_GENESIS_HASH;
  #broken: number | undefined;

  add(c: SnapshotChunk): void {
    const col = (name: string): number => c.columns.indexOf(name);
    if (c.table === 'certificates') this.#certificates += c.rows.length;
    else if (c.table === 'crl_state') {
      const [i, n] = [col('issuer_id'), col('number')];
      for (const r of c.rows) this.#crls.push({ issuerId: String(r[i]), number: Number(r[n]) });
    } else if (c.table === 'audit_log') {
      const idx = Object.fromEntries(['seq', 'time', 'actor', 'action', 'details', 'prev_hash', 'hash'].map((n) => [n, col(n)]));
      for (const r of c.rows) {
        this.#records += 1;
        const seq = Number(r[idx.seq!]);
        const hash = String(r[idx.hash!]);
        this.#last = hash;
        if (this.#broken !== undefined) continue;
        let details: Record<string, unknown>;
        try {
          details = JSON.parse(String(r[idx.details!])) as Record<string, unknown>;
        } catch {
          this.#broken = seq;
          continue;
        }
        const fields = { seq, time: String(r[idx.time!]), actor: String(r[idx.actor!]), action: String(r[idx.action!]), details };
        if (seq !== this.#records || String(r[idx.prev_hash!]) !== this.#prev || auditRecordHash(this.#prev, fields) !== hash) this.#broken = seq;
        this.#prev = hash;
      }
    }
  }

  summary(): DatabaseSummary {
    const crls = [...this.#crls].sort((a, b) => (a.issuerId < b.issuerId ? -1 : a.issuerId > b.issuerId ? 1 : 0));
    return {
      certificates: this.#certificates,
      crlNumber: Math.max(0, ...crls.map((c) => c.number)),
      crls,
      auditRecords: this.#records,
      auditHead: this.#broken === undefined ? this.#prev : this.#last,
      auditVerified: this.#broken === undefined,
      ...(this.#broken === undefined ? {} : { auditBrokenAt: this.#broken }),
    };
  }
}

/** Writes the store's snapshot into `dir/store/`; returns the summary and the rows per table. */
export async function writeSnapshotFiles(store: CaStore, dir: string): Promise<{ summary: DatabaseSummary; rows: Record<string, number> }> {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, STORE_DIR), { mode: 0o700 });
  const summary = new SummaryBuilder();
  const rows: Record<string, number> = {};
  const handles = new Map<string, Awaited<ReturnType<typeof open>>>();
  try {
    await store.exportSnapshot(async (c) => {
      summary.add(c);
      let h = handles.get(c.table);
      if (!h) {
        h = await open(join(dir, tableFile(c.table)), 'wx', 0o600);
        handles.set(c.table, h);
        await h.write(`${JSON.stringify({ table: c.table, columns: c.columns })}\n`);
        rows[c.table] = 0;
      }
      if (c.rows.length > 0) await h.write(c.rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      rows[c.table] = (rows[c.table] ?? 0) + c.rows.length;
    });
    for (const h of handles.values()) await h.sync();
  } finally {
    for (const h of handles.values()) await h.close();
  }
  // Every table has its file, even an empty one (the import checks that nothing is missing).
  for (const t of SNAPSHOT_TABLES) {
    if (!handles.has(t.name)) {
      writeFileSync(join(dir, tableFile(t.name)), `${JSON.stringify({ table: t.name, columns: t.columns.map(([n]) => n) })}\n`, { mode: 0o600, flag: 'wx' });
      rows[t.name] = 0;
    }
  }
  return { summary: summary.summary(), rows };
}

/** The table files of a backup (already checked against the signed manifest) as snapshot chunks, in table order. */
export async function* readSnapshotFiles(dir: string): AsyncGenerator<SnapshotChunk> {
  for (const t of SNAPSHOT_TABLES) {
    const rel = tableFile(t.name);
    const lines = createInterface({ input: createReadStream(join(dir, rel), { encoding: 'utf8' }), crlfDelay: Infinity });
    let columns: string[] | undefined;
    let rows: SnapshotRow[] = [];
    let n = 0;
    for await (const line of lines) {
      n += 1;
      if (line === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        throw backupError('backup_file_corrupt', `${rel} line ${n} is not JSON.`, { details: { path: rel } });
      }
      if (!columns) {
        const h = v as { table?: unknown; columns?: unknown };
        if (h.table !== t.name || !Array.isArray(h.columns) || !h.columns.every((c) => typeof c === 'string')) {
          throw backupError('backup_file_corrupt', `${rel} does not start with the header of table ${t.name}.`, { details: { path: rel } });
        }
        columns = h.columns as string[];
        continue;
      }
      if (!Array.isArray(v)) throw backupError('backup_file_corrupt', `${rel} line ${n} is not a row.`, { details: { path: rel } });
      rows.push(v as SnapshotRow);
      if (rows.length >= SNAPSHOT_CHUNK_ROWS) {
        yield { table: t.name, columns, rows };
        rows = [];
      }
    }
    if (!columns) throw backupError('backup_file_corrupt', `${rel} is empty.`, { details: { path: rel } });
    yield { table: t.name, columns, rows };
  }
}

/** The summary of a backup's table files, and the root its configuration names (restore checks both before loading anything). */
export async function summarizeSnapshotFiles(dir: string): Promise<{ summary: DatabaseSummary; rootId: string | undefined }> {
  const b = new SummaryBuilder();
  let rootId: string | undefined;
  for await (const c of readSnapshotFiles(dir)) {
    b.add(c);
    if (c.table === 'ca_config' && c.rows[0]) rootId = String(c.rows[0][c.columns.indexOf('root_id')]);
  }
  return { summary: b.summary(), rootId };
}
