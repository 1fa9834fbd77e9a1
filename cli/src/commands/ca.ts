/**
 * `rapki ca init` and `rapki ca serve` (DESIGN.md CLI contract; docs/ca-api.md "CLI of the server").
 * Builders stay light; the CA code (SQLite, express, X.509) is imported lazily in the handlers.
 */
import type { Argv, CommandModule } from 'yargs';
import { caBackupCommand, caRestoreCommand } from './ca-backup.js';
import { caRotateCommand } from './ca-rotate.js';
import { caMigrateStoreCommand } from './ca-migrate-store.js';
import { storeOptions, type StoreArgs } from './store-options.js';

interface CommonArgs extends StoreArgs {
  dir: string;
  'passphrase-file'?: string;
}

/** Prints a coded error the way every rapki command does and returns the exit code. */
async function reportError(err: unknown): Promise<number> {
  const { isRapkiError } = await import('../../../common/src/errors.js');
  if (isRapkiError(err)) {
    process.stderr.write(`rapki: ${err.message} (${err.code})\n`);
    return 1;
  }
  process.stderr.write(`rapki: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}

const init: CommandModule<object, CommonArgs & { 'key-type': string; subject?: string; intermediate: boolean; json: boolean; key?: string; 'pkcs11-lib'?: string }> = {
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
      .option('json', { type: 'boolean', default: false, describe: 'print {"adminToken","fingerprint","root"}' }) as never,
  handler: async (argv) => {
    try {
      const { resolvePassphrase } = await import('../../../ca-server/src/config.js');
      const { caError } = await import('../../../ca-server/src/errors.js');
      const { initCa } = await import('../../../ca-server/src/init.js');
      if (argv.key !== undefined && !/^pkcs11:/i.test(argv.key)) {
        throw caError('invalid_request', '--key takes a pkcs11: URI (the key is generated on the token); omit it for encrypted key files.');
      }
      if (argv.key !== undefined && /[?&]pin-value=/i.test(argv.key)) {
        process.stderr.write('rapki: warning: pin-value in --key shows the PIN in the process list; use ?pin-source=FILE or RAPKI_PKCS11_PIN (the PIN is not stored either way)\n');
      }
      const { storeSelection } = await import('../../../ca-server/src/store/store-selection.js');
      const store = storeSelection({ dir: argv.dir, url: argv['store-url'], urlFile: argv['store-url-file'], env: process.env, warn: (m) => process.stderr.write(`rapki: warning: ${m}\n`) });
      const passphrase = argv.key === undefined ? resolvePassphrase({ env: process.env, passphraseFile: argv['passphrase-file'], onWarning: (w) => process.stderr.write(`rapki: warning: ${w.message}\n`) }) : undefined;
      if (!passphrase && argv.key === undefined) throw caError('passphrase_required');
      const r = await initCa({
        dir: argv.dir,
        keyType: argv['key-type'] as 'ec-p256',
        subject: argv.subject,
        intermediate: argv.intermediate,
        passphrase,
        pkcs11: argv.key !== undefined ? { keyUri: argv.key, module: argv['pkcs11-lib'] } : undefined,
        store: store.init,
      });
      if (argv.json) {
        process.stdout.write(`${JSON.stringify({ adminToken: r.adminToken, fingerprint: r.fingerprint, root: r.root })}\n`);
      } else {
        const { framedAdminToken } = await import('../ca-client/admin-token-frame.js');
        process.stdout.write(
          `CA created in ${r.dir}\n` + `root certificate: ${r.root}\n` + `root SHA-256 fingerprint: ${r.fingerprint}\n` + framedAdminToken(r.adminToken, r.dir),
        );
      }
      process.exitCode = 0;
    } catch (err) {
      process.exitCode = await reportError(err);
    }
  },
};

/** Where `ca serve` listens when --listen is not given (npm start sets nothing else). */
export const CA_LISTEN_ENV = 'RAPKI_CA_LISTEN';
const DEFAULT_CA_LISTEN = '127.0.0.1:8443';

const serve: CommandModule<
  object,
  CommonArgs & { listen?: string; 'tls-san'?: string[]; 'init-if-missing': boolean; 'enroll-rate'?: number; 'admin-rate'?: number; ui: boolean; 'ui-idle-timeout'?: string; 'ui-session-lifetime'?: string; 'max-connections'?: number; 'max-connections-per-client'?: number }
> = {
  command: 'serve',
  describe: 'Run the CA server (HTTPS); with --store-url postgres://… any number of replicas share one CA (docs/ha.md)',
  builder: (y: Argv) =>
    y
      .option('dir', { type: 'string', demandOption: true, describe: "CA directory: holds the SQLite store, or only this node's files (TLS certificate) when the store is PostgreSQL; may be empty" })
      .option('listen', { type: 'string', describe: `HOST:PORT (port 0 = any free port); default: ${CA_LISTEN_ENV}, else ${DEFAULT_CA_LISTEN}` })
      .option('tls-san', {
        type: 'string',
        array: true,
        describe: "a name of this server's TLS certificate, dns:NAME or ip:ADDRESS (repeatable; default: the --listen host). Each replica has its own (docs/ha.md)",
      })
      .option('init-if-missing', { type: 'boolean', default: false, describe: 'create the CA first if the directory (or the store) has none' })
      .option('passphrase-file', { type: 'string', describe: 'file holding the CA key passphrase (else RAPKI_CA_PASSPHRASE)' })
      .option('enroll-rate', { type: 'number', describe: 'enroll/renew requests per second per client IP (burst 2x)' })
      .option('admin-rate', { type: 'number', describe: 'admin requests per second per client IP (burst 2x)' })
      .option('ui', { type: 'boolean', default: true, describe: 'serve the web console at /ui/ (--no-ui turns it off; docs/console.md)' })
      .option('ui-idle-timeout', { type: 'string', describe: 'console session ends after this long unused (default 15m; 1m..24h)' })
      .option('ui-session-lifetime', { type: 'string', describe: 'console session ends this long after sign-in (default 8h; 5m..7d)' })
      .option('max-connections', { type: 'number', describe: 'open connections at most (default: ulimit -n less 128, 32-4096)' })
      .option('max-connections-per-client', { type: 'number', describe: 'open connections at most per client address, IPv6 per /64 (default: a quarter of --max-connections, 8-64)' })
      .options(storeOptions) as never,
  handler: async (argv) => {
    const fromEnv = argv.listen === undefined && process.env[CA_LISTEN_ENV] ? process.env[CA_LISTEN_ENV] : undefined;
    const listenAddress = argv.listen ?? fromEnv ?? DEFAULT_CA_LISTEN;
    try {
      const { startCaServer } = await import('../../../ca-server/src/serve.js');
      const { framedAdminToken } = await import('../ca-client/admin-token-frame.js');
      const rate = (n: number | undefined) => (n && n > 0 ? { ratePerSecond: n, burst: Math.max(1, Math.ceil(2 * n)) } : undefined);
      const rateLimits: Record<string, { ratePerSecond: number; burst: number }> = {};
      const er = rate(argv['enroll-rate']);
      const ar = rate(argv['admin-rate']);
      if (er) rateLimits.enroll = er;
      if (ar) rateLimits.admin = ar;
      const { parseDurationSeconds } = await import('../../../ca-server/src/authority/durations.js');
      const consoleConfig: { enabled: boolean; idleTimeoutSeconds?: number; lifetimeSeconds?: number } = { enabled: argv.ui !== false };
      if (argv['ui-idle-timeout'] !== undefined) consoleConfig.idleTimeoutSeconds = parseDurationSeconds(argv['ui-idle-timeout'], '--ui-idle-timeout');
      if (argv['ui-session-lifetime'] !== undefined) consoleConfig.lifetimeSeconds = parseDurationSeconds(argv['ui-session-lifetime'], '--ui-session-lifetime');
      const srv = await startCaServer({
        dir: argv.dir,
        console: consoleConfig,
        listen: listenAddress,
        tlsSans: argv['tls-san'],
        initIfMissing: argv['init-if-missing'],
        passphraseFile: argv['passphrase-file'],
        storeUrl: argv['store-url'],
        storeUrlFile: argv['store-url-file'],
        rateLimits,
        connections: {
          ...(argv['max-connections'] !== undefined ? { max: argv['max-connections'] } : {}),
          ...(argv['max-connections-per-client'] !== undefined ? { perClient: argv['max-connections-per-client'] } : {}),
        },
        onInit: (r, generated) => {
          process.stderr.write(
            `rapki: created a new CA in ${r.dir}\n` +
              (generated ? `rapki: WARNING: the CA key passphrase was generated and stored in ${r.dir}/passphrase (development only)\n` : '') +
              framedAdminToken(r.adminToken, r.dir),
          );
        },
      });
      process.stdout.write(`rapki ca listening on ${srv.url} fingerprint=${srv.fingerprint}\n`);
      if (srv.config.console.enabled) process.stderr.write(`rapki: web console at ${srv.url}/ui/ (sign in with an admin or operator token)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          srv.close().then(resolve, resolve);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      process.exitCode = 0;
    } catch (err) {
      const { listenError } = await import('../listen-error.js');
      const how =
        argv.listen !== undefined
          ? '--listen HOST:PORT'
          : fromEnv !== undefined
            ? `${CA_LISTEN_ENV}=HOST:PORT (set in this environment) or --listen HOST:PORT`
            : `--listen HOST:PORT, or ${CA_LISTEN_ENV}=HOST:PORT (which npm start reads)`;
      process.exitCode = await reportError(listenError(err, listenAddress, how) ?? err);
    }
  },
};

export const caCommand: CommandModule = {
  command: 'ca <command>',
  describe: 'The certificate authority: init, serve, rotate, backup, restore, migrate-store',
  builder: (y: Argv) =>
    y
      .command(init as CommandModule)
      .command(serve as CommandModule)
      .command(caRotateCommand)
      .command(caBackupCommand as CommandModule)
      .command(caRestoreCommand as CommandModule)
      .command(caMigrateStoreCommand as CommandModule)
      .demandCommand(1),
  handler: () => {},
};
