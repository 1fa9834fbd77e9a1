/**
 * `rapki update`: keeps a profile of the shared credentials file fresh (signer-spec.md §3.5), for
 * tools that read only `~/.aws/credentials`.
 *
 * Writes `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token` under `[<profile>]` of
 * `$AWS_SHARED_CREDENTIALS_FILE` (else `~/.aws/credentials`), keeping every other section and
 * comment, atomically and 0600 (signer/src/providers/credentials-file/). Refreshes 5 minutes before
 * expiry; a failed refresh is retried every 30 s while the file keeps the previous credentials (the
 * helper exits instead). `--once` writes once and exits. The first CreateSession failing exits 1.
 */
import type { CommandModule } from 'yargs';
import { signerFlagValues, withSignerFlags } from '../yargs-flags.js';

/** Refresh this long before `Expiration` (the helper's `update`: 5 minutes). */
export const UPDATE_REFRESH_BEFORE_MS = 5 * 60_000;

async function runUpdate(values: Record<string, string | boolean | undefined>, profile: string, once: boolean): Promise<number> {
  const [{ processIo, formatFailure }, { resolveCredentialProcess }, refreshing, credFile, keys, session, version] = await Promise.all([
    import('../run-signer-command.js'),
    import('../signer-options.js'),
    import('../../../signer/src/providers/refreshing-source.js'),
    import('../../../signer/src/providers/credentials-file/write-profile.js'),
    import('../../../signer/src/keys/load-key-signer.js'),
    import('../../../signer/src/session/create-session.js'),
    import('../version.js'),
  ]);
  const io = processIo();
  const log = (line: string) => io.writeStderr(`rapki update: ${line}`);
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  try {
    const config = resolveCredentialProcess(values, io);
    const path = credFile.credentialsFilePath(io.env);
    const userAgent = `rapki/${version.VERSION} (node ${process.versions.node}; ${process.platform}) update`;
    const source = new refreshing.RefreshingCredentialSource({
      fetch: async () => {
        const signer = await keys.loadKeySigner(config.keySource);
        try {
          return await session.createSession(
            signer,
            { ...config.session, debug: config.debug ? (line) => io.writeStderr(`rapki: debug: ${line}`) : undefined },
            { env: io.env, userAgent },
          );
        } finally {
          await signer.close?.();
        }
      },
      refreshBeforeMs: UPDATE_REFRESH_BEFORE_MS,
      proactive: !once,
      keepAlive: !once,
      onRefreshed: async (c) => {
        await credFile.writeProfileCredentials({ path, profile, credentials: c });
        const at = new Date(Date.parse(c.expiration) - UPDATE_REFRESH_BEFORE_MS).toISOString();
        log(`wrote profile [${profile}] of ${path}; credentials expire at ${c.expiration}${once ? '' : `, will be refreshed at ${at}`}`);
      },
      onRefreshError: (err, hasLastGood) =>
        log(
          `refresh failed${hasLastGood ? ' (the file keeps the previous credentials until they expire; retrying in 30 s)' : '; retrying in 30 s'}: ` +
            formatFailure(err).replace(/^rapki: /, ''),
        ),
    });
    try {
      await source.start();
    } catch (err) {
      source.stop(); // no retry timer: a first failure exits 1, as the helper does
      throw err;
    }
    if (once) return 0;
    await stopRequested;
    source.stop();
    return 0;
  } catch (err) {
    io.writeStderr(formatFailure(err));
    return 1;
  }
}

export const updateCommand: CommandModule = {
  command: 'update',
  describe: 'Keep a profile of the shared credentials file (~/.aws/credentials) fresh',
  builder: (y) =>
    withSignerFlags(y, 'credential-process')
      .option('profile', { type: 'string', default: 'default', describe: 'Section of the credentials file to write' })
      .option('once', { type: 'boolean', default: false, describe: 'Write once and exit instead of refreshing before expiry' })
      .usage(
        'rapki update --certificate F --private-key F --trust-anchor-arn A --profile-arn A --role-arn A [--profile default] [--once]\n\n' +
          'Writes temporary credentials into $AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials), keeping other profiles,\n' +
          'and refreshes them 5 minutes before they expire.',
      ),
  handler: async (argv) => {
    const r = argv as Record<string, unknown>;
    process.exitCode = await runUpdate(signerFlagValues(r, 'credential-process'), String(r.profile ?? 'default'), r.once === true);
  },
};
