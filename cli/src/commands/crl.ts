/** `rapki crl get` (a name scripts depend on). Implementation loaded lazily. */
import type { Argv, CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';
import { caConnectionOptions } from '../ca-client/options.js';

const get: CommandModule = {
  command: 'get',
  describe: 'Fetch the current CRL: PEM on stdout; DER with --der, or into --out FILE',
  builder: (y: Argv) =>
    y
      .options(caConnectionOptions)
      .option('pem', { type: 'boolean', describe: 'PEM (the default on stdout; with --out, a PEM file)' })
      .option('der', { type: 'boolean', describe: 'DER (binary: refused on a terminal unless --out is given)' })
      .option('out', { type: 'string', describe: 'write to this file (atomically, 0644) instead of stdout; DER unless --pem' }),
  handler: lazyHandler(async () => (await import('../handlers/crl.js')).crlGet),
};

export const crlCommand: CommandModule = {
  command: 'crl <command>',
  describe: 'Certificate revocation lists',
  builder: (y: Argv) => y.command(get).demandCommand(1),
  handler: () => {},
};
