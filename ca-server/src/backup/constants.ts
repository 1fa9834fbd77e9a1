/**
 * Constants of the CA backup format (docs/operations.md "Backup and restore").
 *
 * Why a directory with a manifest and not a tarball: an operator can look into it with `ls` and
 * `sqlite3`, copy it with any tool, and `restore` can check every file against the SHA-256 the
 * manifest recorded when the backup was taken.
 */

/** Manifest file in the backup directory; written last, so its presence means "complete backup". */
export const MANIFEST_FILE = 'backup.json';
export const MANIFEST_FORMAT = 'rapki-ca-backup';
/** Version 2: the manifest is signed (`backup.sig`); restore refuses version 1 (unsigned) backups. */
export const MANIFEST_VERSION = 2;
/** The root key's signature over `backup.json`'s bytes (`signature.ts`); written just before the manifest is committed. */
export const SIGNATURE_FILE = 'backup.sig';
export const SIGNATURE_FORMAT = 'rapki-ca-backup-signature';
export const SIGNATURE_VERSION = 1;
/** `backup.sig` and `root.pem` are read before anything is trusted. */
export const MAX_SIGNATURE_BYTES = 64 * 1024;
export const MAX_ROOT_PEM_BYTES = 64 * 1024;

/** The database file of the CA directory, and the SQLite side files that never go into a backup. */
export const DATABASE_FILE = 'ca.db';
export const DATABASE_SIDE_FILES: readonly string[] = ['ca.db-wal', 'ca.db-shm', 'ca.db-journal'];
/** The development passphrase file (`ca serve --init-if-missing`): only with `--include-passphrase`. */
export const PASSPHRASE_FILE = 'passphrase';

/** Temp files of the atomic writers (`.NAME.PID.RAND.tmp`, `NAME.tmp-PID-RAND`, `NAME.tmp`). */
export const TEMP_FILE_PATTERN = /(\.tmp$|\.tmp-[0-9]+-[0-9a-f]+$)/;

/** Input limits: the manifest is read before anything is trusted. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_FILES = 10_000;
/** Largest single file restored (the database included). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024 * 1024;
/** Pages per online-backup step; between steps the server can write (better-sqlite3 default). */
export const BACKUP_PAGES_PER_STEP = 100;
