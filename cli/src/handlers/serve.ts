/**
 * `rapki serve`: an IMDSv2-compatible credential endpoint on loopback (as aws_signing_helper/serve.go),
 * for tools that cannot run `credential_process`; optionally also the container-credentials format
 * (`--container`, AWS SDKs and Tools Reference Guide, "Container credential provider").
 *
 * Drop-in surface of the official helper: `Local server started on port: N` and the export line on
 * stderr (scripts wait for them); the process ends by the signal it got (SIGTERM/SIGINT), as a Go
 * program without signal handling does.
 *
 * Differences from the official helper, on purpose (asked for in aws/rolesanywhere-credential-helper
 * #76, #200 and #64):
 * - `--address` (loopback by default); a non-loopback address needs `--allow-non-loopback` and is
 *   warned about, because Node cannot set the IP TTL (`--hop-limit`) on TCP sockets;
 * - requests whose Host header does not name the endpoint are refused (DNS rebinding, see
 *   signer/src/providers/imds/host-check.ts);
 * - a failed CreateSession (at start-up too) is retried with backoff, logged once per attempt;
 *   meanwhile the last good credentials are served until they expire, else HTTP 500 with the
 *   reason instead of an empty "Success" document;
 * - certificate and key files are watched: renewed files are used at once.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { flagError, optionalInteger, optionalString, type FlagValues } from '../credential-flags.js';
import { endBySignal, seconds } from '../daemon-lifecycle.js';
import type { SignerCommandIo } from '../io.js';
import { failureSummary, reportFailure } from '../report.js';
import { resolveCredentialProcess } from '../signer-options.js';
import {
  DEFAULT_ADDRESS,
  DEFAULT_HOP_LIMIT,
  DEFAULT_PORT,
  isLoopbackAddress,
  MAX_HOP_LIMIT,
  MIN_HOP_LIMIT,
  roleNameFromArn,
} from '../../../signer/src/entry/imds.js';

/** Environment variable that may hold the container authorization token (instead of a file). */
export const ENV_CONTAINER_AUTH_TOKEN = 'RAPKI_CONTAINER_AUTH_TOKEN';

function containerToken(values: FlagValues, io: SignerCommandIo, log: (line: string) => void): string {
  const file = optionalString(values, 'auth-token-file');
  if (file) {
    if (!existsSync(file)) {
      // First start: make a token only this user can read; clients point
      // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE at it.
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    }
    const st = statSync(file);
    if (st.size > 8192) throw flagError('flag_value_invalid', `--auth-token-file ${file} is too large`);
    if ((st.mode & 0o077) !== 0) log(`warning: ${file} is readable by other users; chmod 600 it`);
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  }
  const env = io.env[ENV_CONTAINER_AUTH_TOKEN];
  if (env) return env;
  throw flagError('flag_missing', `--container needs --auth-token-file FILE or ${ENV_CONTAINER_AUTH_TOKEN}`);
}

/** Runs `rapki serve` until SIGTERM/SIGINT (then ends by that signal); resolves 1 on a start-up error. */
export async function runServe(values: FlagValues, io: SignerCommandIo): Promise<number> {
  const log = (line: string) => io.stderr(`rapki serve: ${line}\n`);
  // Signal handlers first: a supervisor may stop us while the first CreateSession runs.
  let close: (() => Promise<void>) | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    void (close?.() ?? Promise.resolve()).finally(() => endBySignal(signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const config = resolveCredentialProcess(values, io, 'serve');
    const address = optionalString(values, 'address') ?? DEFAULT_ADDRESS;
    const allowNonLoopback = values['allow-non-loopback'] === true;
    const port = optionalInteger(values, 'port', 0, 65_535) ?? DEFAULT_PORT;
    const hopLimit = optionalInteger(values, 'hop-limit', MIN_HOP_LIMIT, MAX_HOP_LIMIT) ?? DEFAULT_HOP_LIMIT;
    roleNameFromArn(config.session.roleArn); // a bad role ARN fails before a token file is made
    const allowedHosts = (optionalString(values, 'allow-host') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    for (const h of allowedHosts) {
      if (!/^[a-z0-9.-]{1,253}$|^\[?[0-9a-f:.]+\]?$/i.test(h))
        throw flagError('flag_value_invalid', `--allow-host '${h.slice(0, 80)}' is not a host name or IP address`);
    }
    const authFile = optionalString(values, 'auth-token-file');
    const authorizationToken = values.container === true ? containerToken(values, io, log) : undefined;

    // Lazy: the session code and the server load only once the flags are good.
    const { startServing } = await import('../serve-credentials.js');
    const serving = await startServing({
      config,
      env: io.env,
      userAgentMode: 'serve',
      listen: {
        address,
        port,
        hopLimit,
        allowNonLoopback,
        allowedHosts,
        container: authorizationToken === undefined ? undefined : { authorizationToken },
        log,
      },
      debug: config.debug ? (line) => io.stderr(`rapki: debug: ${line}\n`) : undefined,
      onRefreshed: (c) => log(`credentials obtained; they expire at ${c.expiration}`),
      onSourceChanged: () => log('the certificate or key files changed; getting credentials with them'),
      onRefreshError: (err, hasLastGood, retryInMs) =>
        log(
          `CreateSession failed: ${failureSummary(err)} ` +
            `(${hasLastGood ? 'serving the previous credentials until they expire' : 'no credentials to serve yet: SDKs get HTTP 500'}; ` +
            `retrying in ${seconds(retryInMs)})`,
        ),
    });
    close = serving.close;
    if (stopping) return await new Promise<number>(() => undefined); // the signal handler ends the process
    const srv = serving.server;
    if (allowNonLoopback && !isLoopbackAddress(srv.address) && srv.address !== 'localhost') {
      log(
        `WARNING: serving AWS credentials on non-loopback address ${srv.address}: every host that can reach this port gets them. ` +
          'Node cannot set the IP TTL/hop limit of TCP sockets, so --hop-limit does not restrict who can connect; use a firewall.',
      );
    } else if (hopLimit !== DEFAULT_HOP_LIMIT) {
      log(`note: --hop-limit ${hopLimit} cannot be applied by Node; the endpoint listens on loopback only, which is stricter`);
    }
    // The official helper's lines (scripts wait for the first), in one write so that a reader gets
    // them at once.
    const lines = [
      `Local server started on port: ${srv.port}`,
      'Make it available to the sdk by running:',
      `export AWS_EC2_METADATA_SERVICE_ENDPOINT=${srv.url}`,
    ];
    if (srv.containerUrl) {
      lines.push(`export AWS_CONTAINER_CREDENTIALS_FULL_URI=${srv.containerUrl}`);
      lines.push(
        authFile
          ? `export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=${authFile}`
          : `# and AWS_CONTAINER_AUTHORIZATION_TOKEN=<the value of ${ENV_CONTAINER_AUTH_TOKEN}>`,
      );
    }
    io.stderr(`${lines.join('\n')}\n`);
    return await new Promise<number>(() => undefined); // served until a signal ends the process
  } catch (err) {
    const exit = reportFailure(err, io);
    await close?.();
    return exit;
  }
}
