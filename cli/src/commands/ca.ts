/**
 * `rapki ca init|serve|rotate|backup|restore|migrate-store` (docs/ca-api.md "CLI of the server").
 * Builders stay light; the CA code (SQLite, express, X.509) loads in the handlers
 * (cli/src/handlers/ca.ts and the others named below).
 */
import type { Argv, CommandModule } from 'yargs';
import { caBackupCommand, caRestoreCommand } from './ca-backup.js';
import { caRotateCommand } from './ca-rotate.js';
import { caMigrateStoreCommand } from './ca-migrate-store.js';
import { lazyHandler } from './lazy.js';
import { storeOptions } from './store-options.js';

/** Where `ca serve` listens when --listen is not given (kept equal to cli/src/handlers/ca.ts). */
const CA_LISTEN_ENV = 'RAPKI_CA_LISTEN';
const DEFAULT_CA_LISTEN = '127.0.0.1:8443';

const init: CommandModule = {
  command: 'init',
  describe: 'Create a new CA (root, optional intermediate, encrypted keys, admin token)',
  builder: (y: Argv) =>
    y
      .option('dir', { type: 'string', demandOption: true, describe: 'CA directory (created 0700)' })
      .option('key-type', { choices: ['ec-p256', 'ec-p384', 'rsa-3072', 'rsa-4096'], default: 'ec-p256', describe: 'CA key type' })
      .option('subject', { type: 'string', describe: 'root subject DN (RFC 4514), e.g. "CN=Example Root,O=Example"' })
      .option('intermediate', { type: 'boolean', default: false, describe: 'also create an intermediate that issues leaves' })
      .option('passphrase-file', { type: 'string', describe: 'file holding the CA key passphrase (else RAPKI_CA_PASSPHRASE)' })
      .option('key', {
        type: 'string',
        describe: 'generate the CA keys on a PKCS#11 token: pkcs11:token=…;object=… (RFC 7512); PIN from ?pin-source=FILE or RAPKI_PKCS11_PIN, never stored',
      })
      .option('pkcs11-lib', { type: 'string', describe: 'PKCS#11 module for --key (default: module-path in the URI, else p11-kit-proxy)' })
      .options(storeOptions)
      .option('json', { type: 'boolean', default: false, describe: 'print {"adminToken","fingerprint","root"}' }),
  handler: lazyHandler(async () => (await import('../handlers/ca.js')).caInit),
};

const serve: CommandModule = {
  command: 'serve',
  describe: 'Run the CA server (HTTPS); with --store-url postgres://… any number of replicas share one CA (docs/ha.md)',
  builder: (y: Argv) =>
    y
      .option('dir', {
        type: 'string',
        demandOption: true,
        describe: "CA directory: holds the SQLite store, or only this node's files (TLS certificate) when the store is PostgreSQL; may be empty",
      })
      .option('listen', { type: 'string', describe: `HOST:PORT (port 0 = any free port); default: ${CA_LISTEN_ENV}, else ${DEFAULT_CA_LISTEN}` })
      .option('tls-san', {
        type: 'string',
        array: true,
        describe:
          "a name of this server's TLS certificate, dns:NAME or ip:ADDRESS (repeatable; default: the --listen host). Each replica has its own (docs/ha.md)",
      })
      .option('init-if-missing', { type: 'boolean', default: false, describe: 'create the CA first if the directory (or the store) has none' })
      .option('passphrase-file', { type: 'string', describe: 'file holding the CA key passphrase (else RAPKI_CA_PASSPHRASE)' })
      .option('enroll-rate', { type: 'number', describe: 'enroll/renew requests per second per client IP (burst 2x)' })
      .option('admin-rate', { type: 'number', describe: 'admin requests per second per client IP (burst 2x)' })
      .option('ui', { type: 'boolean', default: true, describe: 'serve the web console at /ui/ (--no-ui turns it off; docs/console.md)' })
      .option('ui-idle-timeout', { type: 'string', describe: 'console session ends after this long unused (default 15m; 1m..24h)' })
      .option('ui-session-lifetime', { type: 'string', describe: 'console session ends this long after sign-in (default 8h; 5m..7d)' })
      .option('max-connections', { type: 'number', describe: 'open connections at most (default: ulimit -n less 128, 32-4096)' })
      .option('max-connections-per-client', {
        type: 'number',
        describe: 'open connections at most per client address, IPv6 per /64 (default: a quarter of --max-connections, 8-64)',
      })
      .options(storeOptions),
  handler: lazyHandler(async () => (await import('../handlers/ca.js')).caServe),
};

export const caCommand: CommandModule = {
  command: 'ca <command>',
  describe: 'The certificate authority: init, serve, rotate, backup, restore, migrate-store',
  builder: (y: Argv) =>
    y
      .command(init)
      .command(serve)
      .command(caRotateCommand)
      .command(caBackupCommand as CommandModule)
      .command(caRestoreCommand as CommandModule)
      .command(caMigrateStoreCommand as CommandModule)
      .demandCommand(1),
  handler: () => {},
};
