/** Entry point for the CLI: `rapki ca backup` and `rapki ca restore`. Load it lazily. */
export { backupCa } from '../backup/backup.js';
export { restoreCa } from '../backup/restore.js';
