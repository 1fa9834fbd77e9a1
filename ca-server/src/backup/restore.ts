/**
 * `rapki ca restore`: turns a backup into a CA (its store and a CA directory), after checking it.
 *
 * Why so many checks: a restore happens on a bad day, from a copy that may have travelled. Every
 * file is compared with the SHA-256 in `backup.json`, the audit hash chain must verify and match
 * the manifest's head, and only then is anything loaded:
 * - a version-3 backup (the store's logical export) is loaded into an EMPTY store of either backend
 *   (`--store-url`; default a new `ca.db` in the directory) in one transaction that re-verifies
 *   the chain from the loaded rows before it commits (a failure leaves the store empty);
 * - a version-2 backup (the previous release's copy of `ca.db` and the CA directory's files) must
 *   pass `PRAGMA integrity_check` and becomes the directory as it was; its first open imports the
 *   loose files into the store (`ca-dir-upgrade.ts`).
 * The directory is built next to its final place and renamed, so a failed restore leaves nothing
 * under the target name. Modes are forced: directories 0700, files 0600.
 *
 * Before any of that, the manifest must carry the signature of the CA's root key (`backup.sig`,
 * signature.ts), and that root must be the one the operator expects (`expectFingerprint`), or the
 * operator must have confirmed the fingerprint the refusal printed (`confirmed`, `--yes`). Hashes
 * alone would not do: whoever can write the backup can recompute them.
 *
 * What happens next is the server's job: at start it rebuilds the CRL when the stored one does not
 * list exactly the revoked, unexpired certificates of the database, with a number above the stored
 * one (RFC 5280 §5.2.3: monotonically increasing), and CRL sync pushes it.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AUDIT_GENESIS_HASH, verifyAuditChain } from '../../../common/src/audit/audit-chain.js';
import { caPaths, readCaConfig, writeCaDirPointer } from '../ca-dir.js';
import { writeCaExports } from '../ca-exports.js';
import { digestsEqual } from '../authority/secret-tokens.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { openStore } from '../store/open-store.js';
import { checkSqliteFile } from '../store/sqlite-file-check.js';
import type { StoreLocation } from '../store/store-url.js';
import { pemToDer } from '../../../common/src/x509/pem.js';
import {
  DATABASE_FILE,
  MANIFEST_FILE,
  MANIFEST_VERSION,
  MAX_MANIFEST_BYTES,
  MAX_ROOT_PEM_BYTES,
  MAX_SIGNATURE_BYTES,
  PASSPHRASE_FILE,
  SIGNATURE_FILE,
} from './constants.js';
import { backupError } from './errors.js';
import { commitDir, copyPrivate, existsNonEmpty, fsyncFile, hashFile, nested, removeQuietly, stagingDir } from './files.js';
import { parseManifest, type BackupManifest } from './manifest.js';
import { verifyManifestSignature } from './signature.js';
import { readSnapshotFiles, summarizeSnapshotFiles, type DatabaseSummary } from './snapshot-files.js';

const ROOT_FILE = 'root.pem';

export interface RestoreOptions {
  /** The backup directory (made by {@link backupCa}). */
  readonly from: string;
  /** The CA directory to create (absent or empty). */
  readonly dir: string;
  /**
   * SHA-256 (lower-case hex) of the root the backup must be of (`--expect-fingerprint`). Without
   * it, `confirmed` must be true (`--yes`), else `restore_fingerprint_unconfirmed` names the
   * backup's fingerprint for the operator to check.
   */
  readonly expectFingerprint?: string | undefined;
  readonly confirmed?: boolean | undefined;
  /**
   * Where to load a version-3 backup (`--store-url`): an empty SQLite file or PostgreSQL database;
   * default `sqlite:<dir>/ca.db`. A non-default store is recorded in the directory's `ca.json`.
   */
  readonly location?: StoreLocation | undefined;
  /** Record `location` in `ca.json` (it is not the default). */
  readonly recordStore?: boolean | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
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

/** Reads `backup.json` with a size limit: its exact bytes (what is signed) and the parsed manifest. */
export function readManifest(from: string): { bytes: Buffer; manifest: BackupManifest } {
  const file = join(resolve(from), MANIFEST_FILE);
  let st;
  try {
    st = lstatSync(file);
  } catch {
    throw backupError('backup_manifest_missing', `No ${MANIFEST_FILE} in ${resolve(from)}: it is not a complete rapki backup.`);
  }
  if (!st.isFile()) throw backupError('backup_manifest_invalid', `${MANIFEST_FILE} is not a regular file.`);
  if (st.size > MAX_MANIFEST_BYTES) throw backupError('backup_manifest_invalid', `${MANIFEST_FILE} is larger than ${MAX_MANIFEST_BYTES} bytes.`);
  const bytes = readFileSync(file);
  return { bytes, manifest: parseManifest(bytes.toString('utf8')) };
}

/** A small regular file of the backup (no symbolic link), or undefined when absent. */
function readSmallFile(from: string, rel: string, max: number, onBad: () => never): Buffer | undefined {
  const file = join(from, rel);
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return undefined;
  }
  if (!st.isFile() || st.size > max) onBad();
  return readFileSync(file);
}

/**
 * The backup's root (its fingerprint checked against the expected one, or confirmed by the
 * operator) and the root key's signature over the manifest bytes. Returns the root fingerprint.
 */
function checkSignedByRoot(from: string, m: { bytes: Buffer; manifest: BackupManifest }, o: RestoreOptions): string {
  const sig = readSmallFile(from, SIGNATURE_FILE, MAX_SIGNATURE_BYTES, () => {
    throw backupError('backup_signature_invalid', `${SIGNATURE_FILE} is not a small regular file.`);
  });
  if (!sig) {
    throw backupError(
      'backup_signature_missing',
      m.manifest.version === 1
        ? `This backup was made by an older rapki and is not signed (${MANIFEST_FILE} version 1); it cannot be checked against the CA's key. Take a new backup with this version.`
        : `No ${SIGNATURE_FILE} in ${from}: the backup cannot be checked against the CA's key; do not restore it.`,
    );
  }
  const rootPem = readSmallFile(from, ROOT_FILE, MAX_ROOT_PEM_BYTES, () => {
    throw backupError('backup_file_corrupt', `${ROOT_FILE} in the backup is not a small regular file.`, { details: { path: ROOT_FILE } });
  });
  if (!rootPem) throw backupError('backup_file_missing', `${ROOT_FILE} is missing from the backup.`, { details: { path: ROOT_FILE } });
  let rootDer: Uint8Array;
  try {
    rootDer = pemToDer(rootPem.toString('utf8'), 'CERTIFICATE');
  } catch (cause) {
    throw backupError('backup_file_corrupt', `${ROOT_FILE} in the backup is not a PEM certificate.`, { cause, details: { path: ROOT_FILE } });
  }
  const fingerprint = sha256Fingerprint(rootDer);
  if (o.expectFingerprint !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(o.expectFingerprint) || !digestsEqual(o.expectFingerprint, fingerprint)) {
      throw backupError(
        'restore_fingerprint_mismatch',
        `The backup's root is ${fingerprint}, not the expected ${o.expectFingerprint.slice(0, 64)}: this is not a backup of that CA.`,
        {
          details: { fingerprint },
        },
      );
    }
  } else if (!o.confirmed) {
    throw backupError(
      'restore_fingerprint_unconfirmed',
      `The backup's root fingerprint is ${fingerprint}. Compare it with the one you pinned (RAPKI_CA_FINGERPRINT, ca.json of the lost CA), then run again with --expect-fingerprint ${fingerprint} (or --yes).`,
      { details: { fingerprint } },
    );
  }
  verifyManifestSignature(m.bytes, sig.toString('utf8'), rootDer);
  if (!digestsEqual(m.manifest.fingerprint, fingerprint))
    throw backupError('backup_manifest_mismatch', `${MANIFEST_FILE} names another root than ${ROOT_FILE}.`);
  return fingerprint;
}

export async function restoreCa(o: RestoreOptions): Promise<RestoreResult> {
  const say = o.progress ?? (() => {});
  const from = resolve(o.from);
  const dir = resolve(o.dir);
  const read = readManifest(from);
  const manifest = read.manifest;
  if (nested(from, dir))
    throw backupError('backup_target_inside_ca', 'The CA directory must not be the backup directory or inside it (or the other way round).');
  if (existsNonEmpty(dir)) throw backupError('restore_target_not_empty', `${dir} exists and is not empty; restore into a new or empty directory.`);
  const fingerprint = checkSignedByRoot(from, read, o);
  say(`${MANIFEST_FILE} is signed by the root ${fingerprint}${o.expectFingerprint ? ' (the expected one)' : ' (confirmed with --yes)'}`);
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
      if (st.size !== f.size)
        throw backupError('backup_file_corrupt', `${f.path} has ${st.size} bytes; ${MANIFEST_FILE} says ${f.size}.`, { details: { path: f.path } });
      const dst = join(staging, f.path);
      copyPrivate(src, dst, staging);
      // Hash the copy, not the source: what is checked is what will be used.
      if (hashFile(dst).sha256 !== f.sha256) {
        throw backupError('backup_file_corrupt', `${f.path} does not match the SHA-256 in ${MANIFEST_FILE}.`, { details: { path: f.path } });
      }
    }
    say(`${manifest.files.length} files match their SHA-256`);

    const m = manifest.database;
    const sameNumbers = (d: DatabaseSummary): boolean =>
      d.certificates === m.certificates && d.crlNumber === m.crlNumber && d.auditRecords === m.auditRecords && d.auditHead === m.auditHead;
    let database: DatabaseSummary;
    if (manifest.version === MANIFEST_VERSION) {
      // 2. The table files: audit chain and the manifest's numbers, before anything is loaded.
      const files = await summarizeSnapshotFiles(staging);
      database = files.summary;
      if (files.rootId !== manifest.fingerprint) throw backupError('backup_manifest_mismatch', 'The store in the backup names another root than backup.json.');
      if (!database.auditVerified) {
        throw backupError('backup_audit_broken', `The audit log hash chain in the backup is broken at record ${database.auditBrokenAt}.`, {
          details: { seq: database.auditBrokenAt },
        });
      }
      if (!sameNumbers(database)) throw backupError('backup_manifest_mismatch');
      say(`audit chain verified: ${database.auditRecords} records, head ${database.auditHead.slice(0, 16)}…`);
      // 3. Loaded into an empty store in one transaction, checked again from the loaded rows.
      const target = await loadIntoStore(staging, dir, o, database, say);
      // The directory keeps the store (default) and its pointer, not the backup's files.
      for (const f of manifest.files) if (f.path !== PASSPHRASE_FILE) removeQuietly(join(staging, f.path));
      removeQuietly(join(staging, 'store'));
      writeCaDirPointer(staging, o.recordStore && target.display ? target.display : undefined);
      writeCaExports(staging, target.state);
    } else {
      // 2. The database copy: integrity, audit chain, and the manifest's numbers.
      database = checkSqliteFile(join(staging, DATABASE_FILE));
      removeQuietly(join(staging, `${DATABASE_FILE}-journal`));
      say(`${DATABASE_FILE}: integrity_check ok`);
      if (!database.auditVerified) {
        throw backupError('backup_audit_broken', `The audit log hash chain in the backup is broken at record ${database.auditBrokenAt}.`, {
          details: { seq: database.auditBrokenAt },
        });
      }
      if (!sameNumbers(database)) throw backupError('backup_manifest_mismatch');
      say(`audit chain verified: ${database.auditRecords} records, head ${database.auditHead.slice(0, 16)}…`);
      // 3. ca.json must describe the same CA as the manifest.
      const config = readCaConfig(staging);
      if (config.fingerprint !== manifest.fingerprint) throw backupError('backup_manifest_mismatch', 'ca.json names another root than backup.json.');
    }

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

/**
 * Loads the table files into the restore's store: the default SQLite file is made inside the
 * staging directory (it moves with it), any other store must be empty. The audit chain is verified
 * again from the loaded rows, inside the loading transaction, against the manifest's head.
 */
async function loadIntoStore(
  staging: string,
  dir: string,
  o: RestoreOptions,
  expect: DatabaseSummary,
  say: (line: string) => void,
): Promise<{ display: string | undefined; state: Awaited<ReturnType<import('../store/ca-store.js').CaStore['getCaState']>> }> {
  const finalDefault = caPaths(dir).database;
  const loc: StoreLocation =
    o.location === undefined || (o.location.backend === 'sqlite' && resolve(o.location.file) === finalDefault)
      ? { backend: 'sqlite', file: join(staging, DATABASE_FILE), display: `sqlite:${finalDefault}` }
      : o.location;
  say(`loading the backup into ${loc.display}`);
  const opened = await openStore({ location: loc, env: o.env });
  try {
    await opened.store.importSnapshot(readSnapshotFiles(staging), async (r) => {
      let prev = AUDIT_GENESIS_HASH;
      let seq = 0;
      for (;;) {
        const page = await r.listAudit(seq, 1000);
        if (page.length === 0) break;
        const v = verifyAuditChain(page, prev, seq + 1);
        if (!v.ok)
          throw backupError('backup_audit_broken', `The audit chain loaded into the store is broken at record ${v.badSeq}.`, { details: { seq: v.badSeq } });
        prev = v.lastHash;
        seq += v.count;
      }
      if (seq !== expect.auditRecords || prev !== expect.auditHead)
        throw backupError('backup_manifest_mismatch', 'The loaded audit chain does not end at the head backup.json names.');
      if ((await r.count('certificates')) !== expect.certificates)
        throw backupError('backup_manifest_mismatch', 'The loaded inventory does not have the certificates backup.json counts.');
    });
    return { display: loc.backend === 'sqlite' && loc.file === join(staging, DATABASE_FILE) ? undefined : loc.display, state: await opened.store.getCaState() };
  } finally {
    await opened.close();
  }
}
