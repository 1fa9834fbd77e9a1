/**
 * `rapki admin-token create|list|revoke`: admin bearer tokens (docs/ca-api.md "Admin tokens").
 * The implementation is loaded lazily (`cli/src/ca-client/handlers/admin-token.ts`).
 */
import type { Argv, CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';
import { adminTokenOptions, caConnectionOptions } from '../ca-client/options.js';
import { storeOptions } from './store-options.js';

const create: CommandModule = {
  command: 'create',
  describe: 'Create an admin or operator token; prints it once (--dir D on the CA host needs no admin token)',
  builder: (y: Argv) =>
    y
      .options(caConnectionOptions)
      .options(adminTokenOptions)
      .option('dir', {
        type: 'string',
        describe:
          'on the CA host: make the token in this CA directory, without the API or an admin token (needs the CA passphrase; works while the server runs)',
      })
      .option('passphrase-file', { type: 'string', describe: 'with --dir: file holding the CA key passphrase (else RAPKI_CA_PASSPHRASE)' })
      .options(storeOptions)
      .option('name', { type: 'string', demandOption: true, describe: 'who or what holds the token (1-64 of [A-Za-z0-9._@-])' })
      .option('role', {
        type: 'string',
        choices: ['admin', 'operator'],
        default: 'operator',
        describe: 'operator: mint enrollment tokens and read; admin: everything',
      })
      .option('ttl', { type: 'string', describe: 'lifetime (e.g. 12h, 90d; at most 3650d); default: does not expire' })
      .option('json', { type: 'boolean', describe: 'print the token and its entry as JSON' }),
  handler: lazyHandler(async () => (await import('../handlers/admin-token.js')).adminTokenCreate),
};

const list: CommandModule = {
  command: 'list',
  describe: 'List admin tokens (id, name, role, status, dates); never shows a secret',
  builder: (y: Argv) => y.options(caConnectionOptions).options(adminTokenOptions).option('json', { type: 'boolean', describe: 'print {"adminTokens": [...]}' }),
  handler: lazyHandler(async () => (await import('../handlers/admin-token.js')).adminTokenList),
};

const revoke: CommandModule = {
  command: 'revoke <id>',
  describe: 'Revoke an admin token by id (the last usable admin token cannot be revoked)',
  builder: (y: Argv) =>
    y
      .options(caConnectionOptions)
      .options(adminTokenOptions)
      .positional('id', { type: 'string', describe: 'the 16 hex digits shown by `rapki admin-token list`' })
      .option('json', { type: 'boolean', describe: 'print the revoked entry as JSON' }),
  handler: lazyHandler(async () => (await import('../handlers/admin-token.js')).adminTokenRevoke),
};

export const adminTokenCommand: CommandModule = {
  command: 'admin-token <command>',
  describe: 'Admin bearer tokens: create, list, revoke',
  builder: (y: Argv) => y.command(create).command(list).command(revoke).demandCommand(1),
  handler: () => {},
};
