/**
 * Coded errors of `rapki ca backup` / `rapki ca restore` (CLI only: none reaches the HTTP API).
 * The codes are the `backup` area of the one registry (common/src/errors/codes/backup.ts).
 */
import type { RapkiError } from '../../../common/src/errors.js';
import { BACKUP_CODES } from '../../../common/src/errors/codes/backup.js';
import { rapkiError } from '../../../common/src/errors/registry.js';

/** The registry's entries of this area (docs/operations.md lists each code). */
export const BACKUP_ERRORS = BACKUP_CODES;

export type BackupErrorCode = keyof typeof BACKUP_CODES;

export function backupError(code: BackupErrorCode, message?: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}): RapkiError {
  return rapkiError(code, message, opts);
}
