/**
 * Checks a standalone SQLite file of a CA store and summarises it: `PRAGMA integrity_check`,
 * certificate count, CRL numbers, and the audit hash chain recomputed with the authority's own
 * {@link verifyAuditChain} (the same check as `rapki audit verify --dir`).
 *
 * Used to restore a backup made by an older rapki (manifest version 2, a copy of `ca.db` taken with
 * SQLite's online backup API): its numbers in `backup.json` describe that file, and `restore`
 * recomputes them on the restored copy to compare. Here, in the store module, because it is the
 * one place that opens SQLite files.
 */
import Database from 'better-sqlite3';
import { RapkiError } from '../../../common/src/errors.js';
import type { StoreSummary } from './snapshot.js';
import { AUDIT_GENESIS_HASH, verifyAuditChain, type AuditRecord } from '../../../common/src/audit/audit-chain.js';
import { auditRecordFromRow } from './rows.js';

/** A refusal, with the backup module's code (`backup_database_corrupt`). */
function corrupt(message: string, cause?: unknown): RapkiError {
  return new RapkiError('backup_database_corrupt', message, cause === undefined ? undefined : { cause });
}

/** What the check found in the file (the same summary a logical backup records). */
export type SqliteFileSummary = StoreSummary;

type Row = Record<string, unknown>;

function* auditRows(db: Database.Database): Generator<AuditRecord> {
  for (const r of db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<Row>) {
    yield auditRecordFromRow(r);
  }
}

/**
 * Opens `file` (a copy nobody else uses), switches it to a self-contained rollback journal
 * (`journal_mode=DELETE`, so the file alone is the whole database and its hash is stable; the
 * server turns WAL back on when it opens it), checks and summarises it.
 * Throws `backup_database_corrupt` when the integrity check fails.
 */
export function checkSqliteFile(file: string): SqliteFileSummary {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (err) {
    throw corrupt('The database copy cannot be opened.', err);
  }
  try {
    let ok: unknown;
    try {
      db.pragma('journal_mode = DELETE');
      ok = db.pragma('integrity_check', { simple: true });
    } catch (err) {
      throw corrupt('The database copy fails `PRAGMA integrity_check`.', err);
    }
    if (ok !== 'ok') throw corrupt(`The database copy fails \`PRAGMA integrity_check\`: ${String(ok).slice(0, 200)}`);
    const certificates = Number((db.prepare('SELECT count(*) AS n FROM certificates').get() as Row).n);
    const crls = (db.prepare('SELECT issuer_id, number FROM crl_state ORDER BY issuer_id').all() as Row[]).map((r) => ({
      issuerId: String(r.issuer_id),
      number: Number(r.number),
    }));
    const chain = verifyAuditChain(auditRows(db), AUDIT_GENESIS_HASH, 1);
    const head = chain.ok
      ? chain.lastHash
      : String((db.prepare('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as Row | undefined)?.hash ?? AUDIT_GENESIS_HASH);
    const records = Number((db.prepare('SELECT count(*) AS n FROM audit_log').get() as Row).n);
    return {
      certificates,
      crlNumber: Math.max(0, ...crls.map((c) => c.number)),
      crls,
      auditRecords: records,
      auditHead: head,
      auditVerified: chain.ok,
      ...(chain.ok ? {} : { auditBrokenAt: chain.badSeq }),
    };
  } finally {
    db.close();
  }
}
