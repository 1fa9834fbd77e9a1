/**
 * `rapki ca backup`: a consistent copy of a CA directory, taken while `rapki ca serve` runs.
 *
 * Why SQLite's online backup API (https://www.sqlite.org/backup.html) and not `cp ca.db`: the
 * server writes the database in WAL mode; a file copy can catch the main file and the WAL at
 * different moments and produce a database that never existed. The backup API copies pages from one
 * read transaction (restarting if the server writes in between), so the copy is a snapshot of
 * committed transactions only, and the server is never stopped.
 *
 * The other files (`ca.json`, certificates, encrypted keys, CRL-sync targets, rotation state,
 * server TLS files) are copied as they are; they change only on `init`, rotation steps and
 * `aws register`, so take backups between such operations. The development `passphrase` file is
 * left out unless asked for: a backup that holds both the encrypted key and its passphrase holds
 * the CA key.
 *
 * The manifest is signed with the CA's root key (`backup.sig`, signature.ts), so a backup cannot be
 * edited and re-hashed: taking a backup needs the CA passphrase (or the token PIN of a PKCS#11 CA).
 * The key is opened first, so a wrong passphrase fails before anything is copied.
 */
import { chmodSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { caPaths, readCaConfig } from '../ca-dir.js';
import { writeFileAtomic0600 } from '../keys/write-file-atomic.js';
import { openIssuingKey, type OpenIssuingKeyOptions } from '../keys/issuing-key.js';
import { BACKUP_PAGES_PER_STEP, DATABASE_FILE, DATABASE_SIDE_FILES, MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, PASSPHRASE_FILE, SIGNATURE_FILE, TEMP_FILE_PATTERN } from './constants.js';
import { checkDatabaseCopy } from './db-summary.js';
import { backupError } from './errors.js';
import { commitDir, copyPrivate, existsNonEmpty, fsyncFile, hashFile, listFiles, nested, removeQuietly, stagingDir } from './files.js';
import type { BackupManifest, ManifestFile } from './manifest.js';
import { signManifest } from './signature.js';

export interface BackupOptions {
  /** The CA directory. */
  readonly dir: string;
  /** The backup directory to create (absent or empty). */
  readonly out: string;
  /** Also copy `D/passphrase` (development CAs only). */
  readonly includePassphrase?: boolean;
  /** Opens the root key that signs the manifest (unused for a CA whose keys are on a PKCS#11 token). */
  readonly passphrase: string;
  /** PIN lookup edges for a token-held root key (tests). */
  readonly pkcs11?: OpenIssuingKeyOptions['pkcs11'];
  /** One line per step, for stderr. */
  readonly progress?: (line: string) => void;
  readonly now?: () => Date;
}

export interface BackupResult {
  readonly out: string;
  readonly manifest: BackupManifest;
  /** True when `D/passphrase` exists but was not copied. */
  readonly passphraseLeftOut: boolean;
  /** Entries of the CA directory that are neither regular files nor directories (not copied). */
  readonly skipped: readonly string[];
}

/** True for files that never go into a backup (the live database and its side files, temp files). */
function isExcluded(rel: string): boolean {
  if (rel === DATABASE_FILE || DATABASE_SIDE_FILES.includes(rel)) return true;
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  return TEMP_FILE_PATTERN.test(name);
}

export async function backupCa(o: BackupOptions): Promise<BackupResult> {
  const say = o.progress ?? (() => {});
  const now = o.now ?? (() => new Date());
  const paths = caPaths(o.dir);
  const config = readCaConfig(o.dir);
  const out = resolve(o.out);
  if (nested(out, paths.dir)) throw backupError('backup_target_inside_ca');
  if (existsNonEmpty(out)) throw backupError('backup_target_not_empty', `${out} exists and is not empty; choose a new backup directory.`);
  const root = await openIssuingKey({ dir: paths.dir, config, passphrase: o.passphrase, pkcs11: o.pkcs11, which: 'root' });

  const staging = stagingDir(out, 'backup');
  try {
    // 1. The database, online.
    say(`backing up ${DATABASE_FILE} with the SQLite online backup API`);
    const createdAt = now();
    const src = new Database(paths.database, { readonly: true, fileMustExist: true });
    try {
      src.pragma('busy_timeout = 5000');
      await src.backup(`${staging}/${DATABASE_FILE}`, { progress: () => BACKUP_PAGES_PER_STEP });
    } finally {
      src.close();
    }
    const database = checkDatabaseCopy(`${staging}/${DATABASE_FILE}`);
    // checkDatabaseCopy switched the copy to a rollback journal: no -wal/-shm are left next to it.
    removeQuietly(`${staging}/${DATABASE_FILE}-journal`);
    // The backup API creates the file with the process umask; the staging directory is 0700.
    chmodSync(`${staging}/${DATABASE_FILE}`, 0o600);
    say(
      `database: ${database.certificates} certificates, CRL number ${database.crlNumber}, ` +
        `${database.auditRecords} audit records (chain ${database.auditVerified ? 'verified' : `BROKEN at record ${database.auditBrokenAt}`}), integrity_check ok`,
    );

    // 2. Every other file of the CA directory.
    const { files, skipped } = listFiles(paths.dir);
    let passphraseLeftOut = false;
    let copied = 0;
    for (const rel of files) {
      if (isExcluded(rel)) continue;
      if (rel === PASSPHRASE_FILE && !o.includePassphrase) {
        passphraseLeftOut = true;
        continue;
      }
      copyPrivate(`${paths.dir}/${rel}`, `${staging}/${rel}`, staging);
      copied += 1;
    }
    say(`copied ${copied} other files (ca.json, certificates, encrypted keys, sync targets, rotation state, TLS)`);
    if (passphraseLeftOut) say(`NOT copied: ${PASSPHRASE_FILE} (keep the passphrase apart from the backup; --include-passphrase to copy it)`);
    for (const s of skipped) say(`skipped ${s}: not a regular file`);

    // 3. The manifest, last.
    const listed: ManifestFile[] = listFiles(staging).files.map((rel) => ({ path: rel, ...hashFile(`${staging}/${rel}`) }));
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      createdAt: createdAt.toISOString(),
      source: paths.dir,
      fingerprint: config.fingerprint,
      passphraseIncluded: listed.some((f) => f.path === PASSPHRASE_FILE),
      database,
      files: listed,
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    writeFileAtomic0600(`${staging}/${MANIFEST_FILE}`, manifestBytes);
    // 4. The root key's signature over those bytes.
    const signature = await signManifest(manifestBytes, root.issuer);
    writeFileAtomic0600(`${staging}/${SIGNATURE_FILE}`, `${JSON.stringify(signature, null, 2)}\n`);
    say(`${MANIFEST_FILE} signed with the root key (${SIGNATURE_FILE}, ${signature.algorithm})`);
    fsyncFile(staging);
    commitDir(staging, out);
    say(`backup complete: ${out} (${listed.length} files + ${MANIFEST_FILE})`);
    return { out, manifest, passphraseLeftOut, skipped };
  } catch (err) {
    removeQuietly(staging);
    throw err;
  } finally {
    await root.close();
  }
}
