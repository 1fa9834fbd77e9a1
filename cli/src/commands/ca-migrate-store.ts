/**
 * `rapki ca migrate-store --dir D --to postgres://…` (docs/ha.md "Moving a CA to PostgreSQL"):
 * copies the CA's SQLite store into an empty PostgreSQL database, verifies the audit chain there,
 * then records the new store in `D/ca.json` so that `ca serve --dir D` uses it. The SQLite file is
 * left as it was. Flags and help; the command runs in cli/src/handlers/ca-migrate-store.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';

export const caMigrateStoreCommand: CommandModule = {
  command: 'migrate-store',
  describe: 'Copy a CA from its SQLite file into an empty PostgreSQL database (then serve from there)',
  builder: (y: Argv) =>
    y
      .option('dir', { type: 'string', demandOption: true, describe: 'CA directory (its store is the SQLite file ca.db)' })
      .option('to', { type: 'string', describe: 'target: postgres://USER@HOST:PORT/DB[?sslmode=…] (password from PGPASSWORD / PGPASSFILE, never here)' })
      .option('to-file', { type: 'string', describe: 'file holding the target URL (may include the password; keep it 0600)' })
      .option('json', { type: 'boolean', default: false, describe: 'print {"target","rows","auditHead"} as JSON' }),
  handler: lazyHandler(async () => (await import('../handlers/ca-migrate-store.js')).caMigrateStore),
};
