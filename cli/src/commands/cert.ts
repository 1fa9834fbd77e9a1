/** `rapki cert list` and `rapki cert revoke` (names scripts depend on). Implementation loaded lazily. */
import type { Argv, CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';
import { adminTokenOptions, caConnectionOptions } from '../ca-client/options.js';
import { CERT_STATUSES, REVOCATION_REASONS } from '../../../common/src/contract/certificates.js';

const list: CommandModule = {
  command: 'list',
  describe: 'List issued certificates (every page)',
  builder: (y: Argv) =>
    y
      .options(caConnectionOptions)
      .options(adminTokenOptions)
      .option('host', { type: 'string', describe: 'only this host' })
      .option('status', {
        type: 'string',
        choices: CERT_STATUSES,
        describe: 'only this status (superseded: renewed, still valid until it expires, cannot be renewed again)',
      })
      .option('json', { type: 'boolean', describe: 'print {"certificates":[...]}' }),
  handler: lazyHandler(async () => (await import('../handlers/cert.js')).certList),
};

const revoke: CommandModule = {
  command: 'revoke [serial]',
  describe: 'Revoke one certificate by serial (hex, any form), or every certificate of a host',
  builder: (y: Argv) =>
    y
      .options(caConnectionOptions)
      .options(adminTokenOptions)
      .positional('serial', { type: 'string', describe: 'serial in hex: 0A:1B…, 0a1b…, serial=0A1B… all work' })
      .option('host', {
        type: 'string',
        describe: 'revoke every certificate of this host and block it from enrolling (a host the CA never issued to is refused)',
      })
      .option('block-unknown', { type: 'boolean', describe: 'with --host: block the name even if the CA never issued a certificate to it' })
      .option('reason', {
        type: 'string',
        choices: REVOCATION_REASONS,
        describe: 'CRL reason code (RFC 5280 §5.3.1)',
      })
      .option('json', { type: 'boolean', describe: 'print the server answer as JSON' }),
  handler: lazyHandler(async () => (await import('../handlers/cert.js')).certRevoke),
};

export const certCommand: CommandModule = {
  command: 'cert <command>',
  describe: 'Certificate inventory and revocation',
  builder: (y: Argv) => y.command(list).command(revoke).demandCommand(1),
  handler: () => {},
};
