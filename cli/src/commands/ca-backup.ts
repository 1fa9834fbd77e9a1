/**
 * `rapki ca backup` and `rapki ca restore` (docs/operations.md "Backup and restore"): flags and
 * help; the commands run in cli/src/handlers/ca-backup.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';

export const caBackupCommand: CommandModule = {
  command: 'backup',
  describe: 'Back up a CA directory while the server runs (SQLite online backup + every other file, with a SHA-256 manifest signed by the root key)',
  builder: (y: Argv) =>
    y
      .option('dir', { type: 'string', demandOption: true, describe: 'CA directory' })
      .option('out', { type: 'string', demandOption: true, describe: 'backup directory to create (must be absent or empty, and outside the CA directory; created 0700)' })
      .option('passphrase-file', {
        type: 'string',
        describe: 'file holding the CA key passphrase (else RAPKI_CA_PASSPHRASE); the root key signs the manifest. A PKCS#11 CA uses its token PIN instead',
      })
      .option('include-passphrase', { type: 'boolean', default: false, describe: 'also copy DIR/passphrase (development CAs; normally keep the passphrase apart)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the manifest summary as JSON' }),
  handler: lazyHandler(async () => (await import('../handlers/ca-backup.js')).caBackup),
};

export const caRestoreCommand: CommandModule = {
  command: 'restore',
  describe: "Restore a CA directory from a backup (checks the root key's signature, SHA-256, integrity_check and the audit chain); stop the server first",
  builder: (y: Argv) =>
    y
      .option('from', { type: 'string', demandOption: true, describe: 'backup directory (made by rapki ca backup)' })
      .option('dir', { type: 'string', demandOption: true, describe: 'CA directory to create (must be absent or empty)' })
      .option('expect-fingerprint', { type: 'string', describe: 'SHA-256 of the root the backup must be of (the fingerprint you pin); the manifest must be signed by that root' })
      .option('yes', { type: 'boolean', default: false, describe: 'without --expect-fingerprint: accept the root fingerprint a first run printed, after checking it' })
      .option('json', { type: 'boolean', default: false, describe: 'print the restore summary as JSON' }),
  handler: lazyHandler(async () => (await import('../handlers/ca-backup.js')).caRestore),
};
