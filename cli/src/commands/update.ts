/**
 * `rapki update` in `rapki --help` and `rapki update --help`; the command itself runs in
 * cli/src/handlers/update.ts (argv parsed with the signer flag table, see cli/src/main.ts).
 */
import type { CommandModule } from 'yargs';
import { withSignerFlags } from '../yargs-flags.js';
import { lazySignerHandler } from './lazy.js';

export const updateCommand: CommandModule = {
  command: 'update',
  describe: 'Keep a profile of the shared credentials file (~/.aws/credentials) fresh',
  builder: (y) =>
    withSignerFlags(y, 'update').usage(
      'rapki update --certificate F --private-key F --trust-anchor-arn A --profile-arn A --role-arn A [--profile default] [--once]\n\n' +
        'Writes temporary credentials into $AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials), keeping other profiles,\n' +
        'and refreshes them 5 minutes before they expire and when the certificate or key files change. A failed CreateSession\n' +
        'is retried with backoff; with --once it exits 1.',
    ),
  handler: lazySignerHandler('update', async () => (await import('../handlers/update.js')).runUpdate),
};
