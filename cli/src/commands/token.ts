/**
 * `rapki token create`: one-time enrollment token for a host (docs/ca-api.md `POST /v1/admin/tokens`).
 * The implementation is loaded lazily (`cli/src/ca-client/handlers/token-create.ts`).
 */
import type { Argv, CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';
import { adminTokenOptions, caConnectionOptions } from '../ca-client/options.js';

const create: CommandModule = {
  command: 'create',
  describe: 'Mint a one-time enrollment token bound to a subject, SANs and lifetimes',
  builder: (y: Argv) =>
    y
      .options(caConnectionOptions)
      .options(adminTokenOptions)
      .option('subject', { type: 'string', demandOption: true, describe: 'CN of the host certificate (also the host name in the inventory)' })
      .option('san', { type: 'string', array: true, describe: 'subject alternative name, repeatable: dns:NAME, ip:ADDR, uri:URI, email:ADDR' })
      .option('ttl', { type: 'string', describe: 'token lifetime (e.g. 15m, 1h; server default 1h)' })
      .option('cert-ttl', { type: 'string', describe: 'certificate lifetime (e.g. 24h, 7d; server default 24h)' })
      .option('json', { type: 'boolean', describe: 'print {"token","expiresAt"}' }),
  handler: lazyHandler(async () => (await import('../handlers/token.js')).tokenCreate),
};

export const tokenCommand: CommandModule = {
  command: 'token <command>',
  describe: 'Enrollment tokens',
  builder: (y: Argv) => y.command(create).demandCommand(1),
  handler: () => {},
};
