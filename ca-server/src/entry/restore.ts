/** Entry point for the CLI: `rapki ca restore`, a CA directory and store from a checked backup. Load it lazily. */
export { restoreCa } from '../backup/restore.js';
