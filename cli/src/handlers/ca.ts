/**
 * `rapki ca init` and `rapki ca serve` (docs/ca-api.md "CLI of the server"). The CA code (SQLite,
 * express, X.509) loads only here, when the command runs.
 */
import type { StoreArgs } from '../commands/store-options.js';
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';

/** Where `ca serve` listens when --listen is not given (npm start sets nothing else). */
export const CA_LISTEN_ENV = 'RAPKI_CA_LISTEN';
export const DEFAULT_CA_LISTEN = '127.0.0.1:8443';

interface CommonArgs extends StoreArgs {
  readonly dir: string;
  readonly 'passphrase-file'?: string | undefined;
}

export interface CaInitArgs extends CommonArgs {
  readonly 'key-type': string;
  readonly subject?: string | undefined;
  readonly intermediate: boolean;
  readonly json: boolean;
  readonly key?: string | undefined;
  readonly 'pkcs11-lib'?: string | undefined;
}

export function caInit(args: CaInitArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const { caError, resolvePassphrase, storeSelection } = await import('../../../ca-server/src/entry/ca-dir.js');
    const { initCa } = await import('../../../ca-server/src/entry/init.js');
    if (args.key !== undefined && !/^pkcs11:/i.test(args.key)) {
      throw caError('invalid_request', '--key takes a pkcs11: URI (the key is generated on the token); omit it for encrypted key files.');
    }
    if (args.key !== undefined && /[?&]pin-value=/i.test(args.key)) {
      io.stderr(
        'rapki: warning: pin-value in --key shows the PIN in the process list; use ?pin-source=FILE or RAPKI_PKCS11_PIN (the PIN is not stored either way)\n',
      );
    }
    const store = storeSelection({
      dir: args.dir,
      url: args['store-url'],
      urlFile: args['store-url-file'],
      env: io.env,
      warn: (m) => io.stderr(`rapki: warning: ${m}\n`),
    });
    const passphrase =
      args.key === undefined
        ? resolvePassphrase({ env: io.env, passphraseFile: args['passphrase-file'], onWarning: (w) => io.stderr(`rapki: warning: ${w.message}\n`) })
        : undefined;
    if (!passphrase && args.key === undefined) throw caError('passphrase_required');
    const r = await initCa({
      dir: args.dir,
      keyType: args['key-type'] as 'ec-p256',
      subject: args.subject,
      intermediate: args.intermediate,
      passphrase,
      pkcs11: args.key !== undefined ? { keyUri: args.key, module: args['pkcs11-lib'] } : undefined,
      store: store.init,
    });
    if (args.json) {
      await io.stdout(`${JSON.stringify({ adminToken: r.adminToken, fingerprint: r.fingerprint, root: r.root })}\n`);
    } else {
      const { framedAdminToken } = await import('../ca-client/admin-token-frame.js');
      await io.stdout(
        `CA created in ${r.dir}\n` + `root certificate: ${r.root}\n` + `root SHA-256 fingerprint: ${r.fingerprint}\n` + framedAdminToken(r.adminToken, r.dir),
      );
    }
  });
}

export interface CaServeArgs extends CommonArgs {
  readonly listen?: string | undefined;
  readonly 'tls-san'?: string[] | undefined;
  readonly 'init-if-missing': boolean;
  readonly 'enroll-rate'?: number | undefined;
  readonly 'admin-rate'?: number | undefined;
  readonly ui: boolean;
  readonly 'ui-idle-timeout'?: string | undefined;
  readonly 'ui-session-lifetime'?: string | undefined;
  readonly 'max-connections'?: number | undefined;
  readonly 'max-connections-per-client'?: number | undefined;
}

/** Serves until SIGTERM/SIGINT; exit status 0 then. */
export function caServe(args: CaServeArgs, io: CommandIo): Promise<number> {
  const fromEnv = args.listen === undefined && io.env[CA_LISTEN_ENV] ? io.env[CA_LISTEN_ENV] : undefined;
  const listenAddress = args.listen ?? fromEnv ?? DEFAULT_CA_LISTEN;
  return runCommand(io, async () => {
    try {
      await serve(args, io, listenAddress);
    } catch (err) {
      const { listenError } = await import('../listen-error.js');
      const how =
        args.listen !== undefined
          ? '--listen HOST:PORT'
          : fromEnv !== undefined
            ? `${CA_LISTEN_ENV}=HOST:PORT (set in this environment) or --listen HOST:PORT`
            : `--listen HOST:PORT, or ${CA_LISTEN_ENV}=HOST:PORT (which npm start reads)`;
      throw listenError(err, listenAddress, how) ?? err;
    }
  });
}

async function serve(args: CaServeArgs, io: CommandIo, listenAddress: string): Promise<void> {
  const { parseDurationSeconds, startCaServer } = await import('../../../ca-server/src/entry/serve.js');
  const { framedAdminToken } = await import('../ca-client/admin-token-frame.js');
  const rate = (n: number | undefined) => (n && n > 0 ? { ratePerSecond: n, burst: Math.max(1, Math.ceil(2 * n)) } : undefined);
  const rateLimits: Record<string, { ratePerSecond: number; burst: number }> = {};
  const er = rate(args['enroll-rate']);
  const ar = rate(args['admin-rate']);
  if (er) rateLimits.enroll = er;
  if (ar) rateLimits.admin = ar;
  const consoleConfig: { enabled: boolean; idleTimeoutSeconds?: number; lifetimeSeconds?: number } = { enabled: args.ui !== false };
  if (args['ui-idle-timeout'] !== undefined) consoleConfig.idleTimeoutSeconds = parseDurationSeconds(args['ui-idle-timeout'], '--ui-idle-timeout');
  if (args['ui-session-lifetime'] !== undefined) consoleConfig.lifetimeSeconds = parseDurationSeconds(args['ui-session-lifetime'], '--ui-session-lifetime');
  const srv = await startCaServer({
    dir: args.dir,
    console: consoleConfig,
    listen: listenAddress,
    tlsSans: args['tls-san'],
    initIfMissing: args['init-if-missing'],
    passphraseFile: args['passphrase-file'],
    storeUrl: args['store-url'],
    storeUrlFile: args['store-url-file'],
    rateLimits,
    connections: {
      ...(args['max-connections'] !== undefined ? { max: args['max-connections'] } : {}),
      ...(args['max-connections-per-client'] !== undefined ? { perClient: args['max-connections-per-client'] } : {}),
    },
    onInit: (r, generated) => {
      io.stderr(
        `rapki: created a new CA in ${r.dir}\n` +
          (generated ? `rapki: WARNING: the CA key passphrase was generated and stored in ${r.dir}/passphrase (development only)\n` : '') +
          framedAdminToken(r.adminToken, r.dir),
      );
    },
  });
  await io.stdout(`rapki ca listening on ${srv.url} fingerprint=${srv.fingerprint}\n`);
  if (srv.config.console.enabled) io.stderr(`rapki: web console at ${srv.url}/ui/ (sign in with an admin or operator token)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      srv.close().then(resolve, resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
