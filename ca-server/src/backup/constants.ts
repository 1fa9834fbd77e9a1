/**
 * Constants of the CA backup format (docs/operations.md "Backup and restore").
 *
 * Why a directory with a manifest and not a tarball: an operator can look into it with `ls` and
 * `jq`, copy it with any tool, and `restore` can check every file against the SHA-256 the manifest
 * recorded when the backup was taken.
 */

/** Manifest file in the backup directory; written last, so its presence means "complete backup". */
export const MANIFEST_FILE = 'backup.json';
export const MANIFEST_FORMAT = 'rapki-ca-backup';
/**
 * Version 3: the store's logical export (`store/<table>.ndjson`, any backend). Version 2 (a copy of
 * the SQLite file and the loose files of the CA directory, signed) is still restored; version 1
 * (unsigned) is refused.
 */
export const MANIFEST_VERSION = 3;
/** The manifest version of backups made by the previous release (SQLite file copy, signed). */
export const MANIFEST_VERSION_SQLITE_COPY = 2;
/** The root key's signature over `backup.json`'s bytes (`signature.ts`); written just before the manifest is committed. */
export const SIGNATURE_FILE = 'backup.sig';
export const SIGNATURE_FORMAT = 'rapki-ca-backup-signature';
export const SIGNATURE_VERSION = 1;
/** `backup.sig` and `root.pem` are read before anything is trusted. */
export const MAX_SIGNATURE_BYTES = 64 * 1024;
export const MAX_ROOT_PEM_BYTES = 64 * 1024;

/** The database file of a version-2 backup. */
export const DATABASE_FILE = 'ca.db';
/** The development passphrase file (`ca serve --init-if-missing`): only with `--include-passphrase`. */
export const PASSPHRASE_FILE = 'passphrase';

/** Input limits: the manifest is read before anything is trusted. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_FILES = 10_000;
/** Largest single file restored (the database included). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024 * 1024;
