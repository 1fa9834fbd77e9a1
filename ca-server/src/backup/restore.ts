/**
 * `rapki ca restore`: turns a backup directory into a CA directory, after checking it.
 *
 * Why so many checks: a restore happens on a bad day, from a copy that may have travelled. Every
 * file is compared with the SHA-256 in `backup.json`, the database must pass
 * `PRAGMA integrity_check`, the audit hash chain must verify and match the manifest's head, and
 * only then is the directory moved into place (built next to it and renamed, so a failed restore
 * leaves nothing under the target name). Modes are forced: directories 0700, files 0600.
 *
 * What happens next is the server's job: at start it rebuilds the CRL when a revocation is newer
 * than the stored CRL, with a number above the stored one (RFC 5280 §5.2.3: monotonically
 * increasing), and CRL sync pushes it.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCaConfig } from '../ca-dir.js';
import { DATABASE_FILE, MANIFEST_FILE, MAX_MANIFEST_BYTES, PASSPHRASE_FILE } from './constants.js';
import { checkDatabaseCopy, type DatabaseSummary } from './db-summary.js';
import { backupError } from './errors.js';
import { commitDir, copyPrivate, existsNonEmpty, fsyncFile, hashFile, nested, removeQuietly, stagingDir } from './files.js';
import { parseManifest, type BackupManifest } from './manifest.js';

export interface RestoreOptions {
  /** The backup directory (made by {@link backupCa}). */
  readonly from: string;
  /** The CA directory to create (absent or empty). */
  readonly dir: string;
  readonly progress?: (line: string) => void;
}

export interface RestoreResult {
  readonly dir: string;
  readonly manifest: BackupManifest;
  /** Recomputed on the restored database (equal to `manifest.database` in what is compared). */
  readonly database: DatabaseSummary;
  readonly filesRestored: number;
  readonly passphraseRestored: boolean;
}

/** Reads `backup.json` with a size limit. */
export function readManifest(from: string): BackupManifest {
  const file = join(resolve(from), MANIFEST_FILE);
  let st;
  try {
    st = lstatSync(file);
  } catch {
    throw backupError('backup_manifest_missing', `No ${MANIFEST_FILE} in ${resolve(from)}: it is not a complete rapki backup.`);
  }
  if (!st.isFile()) throw backupError('backup_manifest_invalid', `${MANIFEST_FILE} is not a regular file.`);
  if (st.size > MAX_MANIFEST_BYTES) throw backupError('backup_manifest_invalid', `${MANIFEST_FILE} is larger than ${MAX_MANIFEST_BYTES} bytes.`);
  return parseManifest(readFileSync(file, 'utf8'));
}

export async function restoreCa(o: RestoreOptions): Promise<RestoreResult> {
  const say = o.progress ?? (() => {});
  const from = resolve(o.from);
  const dir = resolve(o.dir);
  const manifest = readManifest(from);
  if (nested(from, dir)) throw backupError('backup_target_inside_ca', 'The CA directory must not be the backup directory or inside it (or the other way round).');
  if (existsNonEmpty(dir)) throw backupError('restore_target_not_empty', `${dir} exists and is not empty; restore into a new or empty directory.`);
  say(`backup of ${manifest.source} taken ${manifest.createdAt}: ${manifest.files.length} files`);

  const staging = stagingDir(dir, 'restore');
  try {
    // 1. Every file, checked against the manifest, then copied 0600.
    for (const f of manifest.files) {
      const src = join(from, f.path);
      let st;
      try {
        st = lstatSync(src);
      } catch {
        throw backupError('backup_file_missing', `${f.path} is listed in ${MANIFEST_FILE} but missing from the backup.`, { details: { path: f.path } });
      }
      if (!st.isFile()) throw backupError('backup_file_corrupt', `${f.path} in the backup is not a regular file.`, { details: { path: f.path } });
      if (st.size !== f.size) throw backupError('backup_file_corrupt', `${f.path} has ${st.size} bytes; ${MANIFEST_FILE} says ${f.size}.`, { details: { path: f.path } });
      const dst = join(staging, f.path);
      copyPrivate(src, dst, staging);
      // Hash the copy, not the source: what is checked is what will be used.
      if (hashFile(dst).sha256 !== f.sha256) {
        throw backupError('backup_file_corrupt', `${f.path} does not match the SHA-256 in ${MANIFEST_FILE}.`, { details: { path: f.path } });
      }
    }
    say(`${manifest.files.length} files match their SHA-256`);

    // 2. The database: integrity, audit chain, and the manifest's numbers.
    const database = checkDatabaseCopy(join(staging, DATABASE_FILE));
    removeQuietly(join(staging, `${DATABASE_FILE}-journal`));
    say(`${DATABASE_FILE}: integrity_check ok`);
    if (!database.auditVerified) {
      throw backupError('backup_audit_broken', `The audit log hash chain in the backup is broken at record ${database.auditBrokenAt}.`, {
        details: { seq: database.auditBrokenAt },
      });
    }
    const m = manifest.database;
    if (database.certificates !== m.certificates || database.crlNumber !== m.crlNumber || database.auditRecords !== m.auditRecords || database.auditHead !== m.auditHead) {
      throw backupError('backup_manifest_mismatch');
    }
    say(`audit chain verified: ${database.auditRecords} records, head ${database.auditHead.slice(0, 16)}…`);

    // 3. ca.json must describe the same CA as the manifest.
    const config = readCaConfig(staging);
    if (config.fingerprint !== manifest.fingerprint) throw backupError('backup_manifest_mismatch', 'ca.json names another root than backup.json.');

    fsyncFile(staging);
    commitDir(staging, dir);
    const passphraseRestored = manifest.files.some((f) => f.path === PASSPHRASE_FILE);
    say(`restored into ${dir}: ${database.certificates} certificates, CRL number ${database.crlNumber}`);
    return { dir, manifest, database, filesRestored: manifest.files.length, passphraseRestored };
  } catch (err) {
    removeQuietly(staging);
    throw err;
  }
}
