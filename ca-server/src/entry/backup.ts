/** Entry point for the CLI: `rapki ca backup`, a signed copy of the CA's store and files. Load it lazily. */
export { backupCa } from '../backup/backup.js';
