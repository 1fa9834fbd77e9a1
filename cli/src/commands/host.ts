/** `rapki host unblock NAME` (docs/ca-api.md). Implementation loaded lazily. */
import type { Argv, CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';
import { adminTokenOptions, caConnectionOptions } from '../ca-client/options.js';

const unblock: CommandModule = {
  command: 'unblock <name>',
  describe: 'Allow a host blocked by `cert revoke --host` to enroll again',
  builder: (y: Argv) =>
    y
      .options(caConnectionOptions)
      .options(adminTokenOptions)
      .positional('name', { type: 'string', describe: 'host name (the certificate CN / token subject)' })
      .option('json', { type: 'boolean', describe: 'print the server answer as JSON' }),
  handler: lazyHandler(async () => (await import('../handlers/host.js')).hostUnblock),
};

export const hostCommand: CommandModule = {
  command: 'host <command>',
  describe: 'Host administration (unblock after a host revocation)',
  builder: (y: Argv) => y.command(unblock).demandCommand(1),
  handler: () => {},
};
