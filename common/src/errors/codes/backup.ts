/** Codes of `rapki ca backup` / `rapki ca restore` (docs/operations.md; CLI only: none reaches the HTTP API). */
import type { ErrorTable } from '../spec.js';

export const BACKUP_CODES = {
  backup_target_not_empty: { message: 'The backup directory exists and is not empty; choose a new one.' },
  backup_target_inside_ca: { message: 'The backup directory must not be inside the CA directory (or the other way round).' },
  backup_database_corrupt: { message: 'The database copy fails `PRAGMA integrity_check`.' },
  backup_manifest_missing: { message: 'No backup.json in that directory: it is not a complete rapki backup.' },
  backup_manifest_invalid: { message: 'backup.json is not a valid rapki backup manifest.' },
  backup_file_missing: { message: 'A file listed in backup.json is missing from the backup.' },
  backup_file_corrupt: { message: 'A file of the backup does not match the SHA-256 in backup.json.' },
  backup_audit_broken: { message: 'The audit log hash chain in the backup does not verify.' },
  backup_manifest_mismatch: { message: 'The database in the backup does not match the counts in backup.json.' },
  restore_target_not_empty: { message: 'The CA directory to restore into exists and is not empty; restore into a new or empty directory.' },
  backup_signature_missing: {
    message: 'The backup has no backup.sig (it was made by an older rapki, or the file was removed); it cannot be checked. Take a new backup.',
  },
  backup_signature_invalid: { message: "backup.sig does not verify with the backup's root: the backup was changed, or it is not from this CA." },
  restore_fingerprint_mismatch: { message: 'The root in the backup is not the one --expect-fingerprint names.' },
  restore_fingerprint_unconfirmed: { message: "Check the backup's root fingerprint and pass it as --expect-fingerprint (or --yes)." },
} as const satisfies ErrorTable;
