/**
 * `rapki ca backup` and `rapki ca restore` (docs/operations.md "Backup and restore"): flags and
 * help; the commands run in cli/src/handlers/ca-backup.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import { storeOptions } from './store-options.js';
import { lazyHandler } from './lazy.js';

export const caBackupCommand: CommandModule = {
  command: 'backup',
  describe: 'Back up a CA while its servers run: a logical export of its store (SQLite or PostgreSQL), with a SHA-256 manifest signed by the root key',
  builder: (y: Argv) =>
    y
      .option('dir', { type: 'string', demandOption: true, describe: 'CA directory' })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'backup directory to create (must be absent or empty, and outside the CA directory; created 0700)',
      })
      .option('passphrase-file', {
        type: 'string',
        describe: 'file holding the CA key passphrase (else RAPKI_CA_PASSPHRASE); the root key signs the manifest. A PKCS#11 CA uses its token PIN instead',
      })
      .option('include-passphrase', {
        type: 'boolean',
        default: false,
        describe: 'also copy DIR/passphrase (development CAs; normally keep the passphrase apart)',
      })
      .options(storeOptions)
      .option('json', { type: 'boolean', default: false, describe: 'print the manifest summary as JSON' }),
  handler: lazyHandler(async () => (await import('../handlers/ca-backup.js')).caBackup),
};

export const caRestoreCommand: CommandModule = {
  command: 'restore',
  describe:
    "Restore a CA from a backup into an empty store, SQLite or PostgreSQL (checks the root key's signature, SHA-256 and the audit chain); stop the servers first",
  builder: (y: Argv) =>
    y
      .option('from', { type: 'string', demandOption: true, describe: 'backup directory (made by rapki ca backup)' })
      .option('dir', { type: 'string', demandOption: true, describe: 'CA directory to create (must be absent or empty)' })
      .option('expect-fingerprint', {
        type: 'string',
        describe: 'SHA-256 of the root the backup must be of (the fingerprint you pin); the manifest must be signed by that root',
      })
      .option('yes', {
        type: 'boolean',
        default: false,
        describe: 'without --expect-fingerprint: accept the root fingerprint a first run printed, after checking it',
      })
      .option('store-url', {
        type: 'string',
        describe: 'load into this EMPTY store: postgres://… (password from PGPASSWORD / PGPASSFILE) or sqlite:PATH; default sqlite:<dir>/ca.db',
      })
      .option('store-url-file', { type: 'string', describe: 'file holding the target store URL (may include the password; keep it 0600)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the restore summary as JSON' }),
  handler: lazyHandler(async () => (await import('../handlers/ca-backup.js')).caRestore),
};
