/**
 * `rapki serve`: an IMDSv2-compatible credential endpoint on loopback (signer-spec.md §3.4), for
 * tools that cannot run `credential_process`; optionally also the container-credentials format
 * (`--container`, roles-anywhere-api.md §4.4).
 *
 * Differences from the official helper, on purpose (signer-spec.md §4 items 3, 11, 13):
 * - `--address` (loopback by default); a non-loopback address needs `--allow-non-loopback` and is
 *   warned about, because Node cannot set the IP TTL (`--hop-limit`) on TCP sockets, so the
 *   helper's "one hop" protection is not available (see signer/src/providers/imds/server.ts);
 * - a failed CreateSession at start-up exits 1 with the coded error instead of serving nothing;
 * - a failed refresh keeps serving the last good credentials until they expire, then answers 500
 *   with the reason instead of an empty "Success" document; failed attempts are spaced out;
 * - certificate and key files are read again at every refresh (renewed certificates are used).
 *
 * The handler imports the signer lazily, so `rapki --help` does not pay for it.
 */
import type { CommandModule } from 'yargs';
import { signerFlagValues, withSignerFlags } from '../yargs-flags.js';

/** Environment variable that may hold the container authorization token (instead of a file). */
export const ENV_CONTAINER_AUTH_TOKEN = 'RAPKI_CONTAINER_AUTH_TOKEN';

interface ServeArgs {
  readonly address: string;
  readonly port: string;
  readonly hopLimit: string;
  readonly allowNonLoopback: boolean;
  readonly container: boolean;
  readonly authTokenFile: string | undefined;
}

async function runServe(values: Record<string, string | boolean | undefined>, a: ServeArgs): Promise<number> {
  const [{ processIo, formatFailure }, { resolveCredentialProcess }, flags, server, serving, constants, fs, crypto] = await Promise.all([
    import('../run-signer-command.js'),
    import('../signer-options.js'),
    import('../credential-flags.js'),
    import('../../../signer/src/providers/imds/server.js'),
    import('../serve-credentials.js'),
    import('../../../signer/src/providers/imds/constants.js'),
    import('node:fs'),
    import('node:crypto'),
  ]);
  const io = processIo();
  const log = (line: string) => io.writeStderr(`rapki serve: ${line}`);
  // Signal handlers first: a supervisor may stop us as soon as the endpoint line appears.
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  try {
    const config = resolveCredentialProcess(values, io);
    const port = flags.optionalInteger({ port: a.port }, 'port', 0, 65_535) ?? constants.DEFAULT_PORT;
    const hopLimit = flags.optionalInteger({ 'hop-limit': a.hopLimit }, 'hop-limit', constants.MIN_HOP_LIMIT, constants.MAX_HOP_LIMIT) ?? constants.DEFAULT_HOP_LIMIT;
    server.roleNameFromArn(config.session.roleArn); // a bad role ARN fails before a token file is made

    let authorizationToken: string | undefined;
    if (a.container) {
      if (a.authTokenFile) {
        if (!fs.existsSync(a.authTokenFile)) {
          // First start: make a token only this user can read; clients point
          // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE at it.
          fs.writeFileSync(a.authTokenFile, crypto.randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
        }
        const st = fs.statSync(a.authTokenFile);
        if (st.size > 8192) throw flags.flagError('invalid_flag_value', `--auth-token-file ${a.authTokenFile} is too large`);
        if ((st.mode & 0o077) !== 0) log(`warning: ${a.authTokenFile} is readable by other users; chmod 600 it`);
        authorizationToken = fs.readFileSync(a.authTokenFile, 'utf8').replace(/\r?\n$/, '');
      } else if (io.env[ENV_CONTAINER_AUTH_TOKEN]) {
        authorizationToken = io.env[ENV_CONTAINER_AUTH_TOKEN];
      } else {
        throw flags.flagError('missing_flag', `--container needs --auth-token-file FILE or ${ENV_CONTAINER_AUTH_TOKEN}`);
      }
    }

    const { server: srv, close } = await serving.startServing({
      config,
      env: io.env,
      userAgentMode: 'serve',
      listen: {
        address: a.address,
        port,
        hopLimit,
        allowNonLoopback: a.allowNonLoopback,
        container: authorizationToken === undefined ? undefined : { authorizationToken },
        log,
      },
      debug: config.debug ? (line) => io.writeStderr(`rapki: debug: ${line}`) : undefined,
      onRefreshed: (c) => log(`credentials obtained; they expire at ${c.expiration}`),
      onRefreshError: (err, hasLastGood) =>
        log(`refresh failed (${hasLastGood ? 'serving the previous credentials until they expire' : 'no valid credentials to serve'}): ${formatFailure(err).replace(/^rapki: /, '')}`),
    });
    if (a.allowNonLoopback && !srv.address.startsWith('127.') && srv.address !== '::1' && srv.address !== 'localhost') {
      log(
        `WARNING: serving AWS credentials on non-loopback address ${srv.address}: every host that can reach this port gets them. ` +
          'Node cannot set the IP TTL/hop limit of TCP sockets, so --hop-limit does not restrict who can connect; use a firewall.',
      );
    } else if (hopLimit !== constants.DEFAULT_HOP_LIMIT) {
      log(`note: --hop-limit ${hopLimit} cannot be applied by Node; the endpoint listens on loopback only, which is stricter`);
    }
    // One write, so that a reader (a wrapper script, a test) gets every line at once.
    const exports = [`export AWS_EC2_METADATA_SERVICE_ENDPOINT=${srv.url}`];
    if (srv.containerUrl) {
      exports.push(`export AWS_CONTAINER_CREDENTIALS_FULL_URI=${srv.containerUrl}`);
      exports.push(
        a.authTokenFile
          ? `export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=${a.authTokenFile}`
          : `# and AWS_CONTAINER_AUTHORIZATION_TOKEN=<the value of ${ENV_CONTAINER_AUTH_TOKEN}>`,
      );
    }
    io.writeStderr(exports.join('\n'));

    await stopRequested;
    await close();
    return 0;
  } catch (err) {
    io.writeStderr(formatFailure(err));
    return 1;
  }
}

export const serveCommand: CommandModule = {
  command: 'serve',
  describe: 'Serve credentials on an IMDSv2-compatible endpoint on loopback (AWS_EC2_METADATA_SERVICE_ENDPOINT)',
  builder: (y) =>
    withSignerFlags(y, 'credential-process')
      .option('address', { type: 'string', default: '127.0.0.1', describe: 'Listen address (loopback unless --allow-non-loopback)' })
      .option('port', { type: 'string', default: '9911', describe: 'Listen port (0 = any free port)' })
      .option('hop-limit', {
        type: 'string',
        default: '64',
        describe: 'IP TTL of answers in the official helper (1..255); accepted, but Node cannot set it: loopback-only serving is the protection',
      })
      .option('allow-non-loopback', { type: 'boolean', default: false, describe: 'Allow a non-loopback --address (exposes credentials to the network)' })
      .option('container', {
        type: 'boolean',
        default: false,
        describe: 'Also serve the container-credentials format at /credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)',
      })
      .option('auth-token-file', {
        type: 'string',
        describe: `File with the Authorization token of --container (created 0600 with a random token if missing); or set ${ENV_CONTAINER_AUTH_TOKEN}`,
      })
      .usage(
        'rapki serve --certificate F --private-key F --trust-anchor-arn A --profile-arn A --role-arn A [--port 9911] [options]\n\n' +
          'Serves temporary credentials like EC2 instance metadata (IMDSv2), refreshing them before they expire.',
      ),
  handler: async (argv) => {
    const r = argv as Record<string, unknown>;
    process.exitCode = await runServe(signerFlagValues(r, 'credential-process'), {
      address: String(r.address ?? '127.0.0.1'),
      port: String(r.port ?? '9911'),
      hopLimit: String(r['hop-limit'] ?? '64'),
      allowNonLoopback: r['allow-non-loopback'] === true,
      container: r.container === true,
      authTokenFile: typeof r['auth-token-file'] === 'string' ? r['auth-token-file'] : undefined,
    });
  },
};
