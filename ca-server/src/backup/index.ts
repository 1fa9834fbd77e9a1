/** CA backup and restore (docs/operations.md "Backup and restore"). */
export { backupCa, type BackupOptions, type BackupResult } from './backup.js';
export { restoreCa, readManifest, type RestoreOptions, type RestoreResult } from './restore.js';
export { parseManifest, type BackupManifest, type ManifestFile } from './manifest.js';
export type { DatabaseSummary } from './snapshot-files.js';
export { BACKUP_ERRORS, type BackupErrorCode } from './errors.js';
export { MANIFEST_FILE } from './constants.js';
