/**
 * `rapki ca backup`: a consistent, signed copy of a CA, taken while `rapki ca serve` runs, from
 * either store (docs/operations.md "Backup and restore").
 *
 * The backup is a LOGICAL export through the store (`store/snapshot.ts`): every table of the CA's
 * state (inventory, tokens, audit chain, CRLs, configuration, encrypted keys, rotation, sync
 * targets) read from one consistent snapshot of the database (a SQLite read transaction on its own
 * connection; a PostgreSQL REPEATABLE READ transaction), while the server, or every replica, goes on
 * writing. The same files restore into SQLite or PostgreSQL (`restore.ts`).
 *
 * What is not in it: console sessions (users sign in again), the servers' own TLS certificates
 * (each node reissues its own), the development `passphrase` file unless asked for (a backup that
 * holds both the encrypted key and its passphrase holds the CA key).
 *
 * The manifest is signed with the CA's root key (`backup.sig`, signature.ts), so a backup cannot be
 * edited and re-hashed: taking a backup needs the CA passphrase (or the token PIN of a PKCS#11 CA).
 * The key is opened first, so a wrong passphrase fails before anything is copied.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCaConfig } from '../ca-config.js';
import { caPaths } from '../ca-dir.js';
import { writeFileAtomicSync } from '../../../common/src/fs/atomic-write.js';
import { openIssuingKey, type OpenIssuingKeyOptions } from '../keys/issuing-key.js';
import { openCaDirStore } from '../open-ca-store.js';
import type { StoreLocation } from '../store/store-url.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, PASSPHRASE_FILE, SIGNATURE_FILE } from './constants.js';
import { backupError } from './errors.js';
import { commitDir, copyPrivate, existsNonEmpty, fsyncFile, hashFile, listFiles, nested, removeQuietly, stagingDir } from './files.js';
import type { BackupManifest, ManifestFile } from './manifest.js';
import { signManifest } from './signature.js';
import { writeSnapshotFiles } from './snapshot-files.js';

export interface BackupOptions {
  /** The CA directory (its `ca.json` names the store, or it holds `ca.db`). */
  readonly dir: string;
  /** Where the store is (`store/store-selection.ts`); default: what the directory says. */
  readonly location?: StoreLocation | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
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
  /** Rows exported per table. */
  readonly rows: Readonly<Record<string, number>>;
}

export async function backupCa(o: BackupOptions): Promise<BackupResult> {
  const say = o.progress ?? (() => {});
  const now = o.now ?? (() => new Date());
  const paths = caPaths(o.dir);
  const out = resolve(o.out);
  if (nested(out, paths.dir)) throw backupError('backup_target_inside_ca');
  if (existsNonEmpty(out)) throw backupError('backup_target_not_empty', `${out} exists and is not empty; choose a new backup directory.`);
  const opened = await openCaDirStore({ dir: o.dir, location: o.location, mustExist: true, env: o.env });
  try {
    const { config, state } = await loadCaConfig(opened.store, opened.display);
    const root = await openIssuingKey({ store: opened.store, state, passphrase: o.passphrase, pkcs11: o.pkcs11, which: 'root' });
    const staging = stagingDir(out, 'backup');
    try {
      // 1. The store, as a logical snapshot.
      say(`exporting the CA state from ${opened.display} (one consistent snapshot)`);
      const createdAt = now();
      const { summary: database, rows } = await writeSnapshotFiles(opened.store, staging);
      say(
        `store: ${database.certificates} certificates, CRL number ${database.crlNumber}, ` +
          `${database.auditRecords} audit records (chain ${database.auditVerified ? 'verified' : `BROKEN at record ${database.auditBrokenAt}`})`,
      );
      // 2. The root certificate (restore checks the signature with it before anything else).
      const rootRec = state.certificates.find((c) => c.id === config.fingerprint)!;
      writeFileAtomicSync(join(staging, 'root.pem'), derToPem(rootRec.der, 'CERTIFICATE'));
      let passphraseLeftOut = false;
      if (existsSync(paths.passphrase)) {
        if (o.includePassphrase) copyPrivate(paths.passphrase, join(staging, PASSPHRASE_FILE), staging);
        else {
          passphraseLeftOut = true;
          say(`NOT copied: ${PASSPHRASE_FILE} (keep the passphrase apart from the backup; --include-passphrase to copy it)`);
        }
      }
      // 3. The manifest, last.
      const listed: ManifestFile[] = listFiles(staging).files.map((rel) => ({ path: rel, ...hashFile(join(staging, rel)) }));
      const manifest: BackupManifest = {
        format: MANIFEST_FORMAT,
        version: MANIFEST_VERSION,
        createdAt: createdAt.toISOString(),
        source: opened.display,
        fingerprint: config.fingerprint,
        passphraseIncluded: listed.some((f) => f.path === PASSPHRASE_FILE),
        database,
        files: listed,
      };
      const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      writeFileAtomicSync(join(staging, MANIFEST_FILE), manifestBytes);
      // 4. The root key's signature over those bytes.
      const signature = await signManifest(manifestBytes, root.issuer);
      writeFileAtomicSync(join(staging, SIGNATURE_FILE), `${JSON.stringify(signature, null, 2)}\n`);
      say(`${MANIFEST_FILE} signed with the root key (${SIGNATURE_FILE}, ${signature.algorithm})`);
      fsyncFile(staging);
      commitDir(staging, out);
      say(`backup complete: ${out} (${listed.length} files + ${MANIFEST_FILE})`);
      return { out, manifest, passphraseLeftOut, rows };
    } catch (err) {
      removeQuietly(staging);
      throw err;
    } finally {
      await root.close();
    }
  } finally {
    await opened.close();
  }
}
