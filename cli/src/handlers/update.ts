/**
 * `rapki update`: keeps a profile of the shared credentials file fresh (as the official helper's update.go), for
 * tools that read only `~/.aws/credentials`.
 *
 * Writes `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token` under `[<profile>]` of
 * `$AWS_SHARED_CREDENTIALS_FILE` (else `~/.aws/credentials`), keeping every other section and
 * comment, atomically and 0600 (signer/src/providers/credentials-file/). Refreshes 5 minutes before
 * expiry, and at once when the certificate or key files change on disk. A failed CreateSession —
 * also the first one, at boot before the network is up — is retried with backoff and logged once
 * per attempt, while the file keeps the previous credentials. `--once` writes once and exits (1 on
 * failure, with the error printed once). SIGTERM/SIGINT end the process by that signal, as the
 * official helper ends.
 */
import { optionalString, type FlagValues } from '../credential-flags.js';
import { endBySignal, seconds } from '../daemon-lifecycle.js';
import type { SignerCommandIo } from '../io.js';
import { failureSummary, reportFailure } from '../report.js';
import { resolveCredentialProcess } from '../signer-options.js';
import { VERSION } from '../version.js';

/** Refresh this long before `Expiration` (the helper's `update`: 5 minutes). */
export const UPDATE_REFRESH_BEFORE_MS = 5 * 60_000;

export async function runUpdate(values: FlagValues, io: SignerCommandIo): Promise<number> {
  const log = (line: string) => io.stderr(`rapki update: ${line}\n`);
  const once = values.once === true;
  let stop: (() => void) | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    stop?.();
    endBySignal(signal);
  };
  if (!once) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    const config = resolveCredentialProcess(values, io, 'update');
    const profile = optionalString(values, 'profile') ?? 'default';
    const [refresh, credFile, keys, session] = await Promise.all([
      import('../../../signer/src/entry/refresh.js'),
      import('../../../signer/src/entry/credentials-file.js'),
      import('../../../signer/src/entry/key-signer.js'),
      import('../../../signer/src/entry/session.js'),
    ]);
    const path = credFile.credentialsFilePath(io.env);
    const userAgent = `rapki/${VERSION} (node ${process.versions.node}; ${process.platform}) update`;
    const fetch = async () => {
      const signer = await keys.loadKeySigner(config.keySource);
      try {
        return await session.createSession(
          signer,
          { ...config.session, debug: config.debug ? (line) => io.stderr(`rapki: debug: ${line}\n`) : undefined },
          { env: io.env, userAgent },
        );
      } finally {
        await signer.close?.();
      }
    };
    const write = async (c: Awaited<ReturnType<typeof fetch>>) => {
      await credFile.writeProfileCredentials({ path, profile, credentials: c });
      const at = new Date(Date.parse(c.expiration) - UPDATE_REFRESH_BEFORE_MS).toISOString();
      log(`wrote profile [${profile}] of ${path}; credentials expire at ${c.expiration}${once ? '' : `, will be refreshed at ${at}`}`);
    };

    if (once) {
      await write(await fetch());
      return 0;
    }
    const source = new refresh.RefreshingCredentialSource({
      fetch,
      refreshBeforeMs: UPDATE_REFRESH_BEFORE_MS,
      keepAlive: true,
      sourceStamp: () => refresh.keySourceStamp(config.keySource),
      onSourceChanged: () => log('the certificate or key files changed; getting credentials with them'),
      onRefreshed: write,
      onRefreshError: (err, hasLastGood, retryInMs) =>
        log(
          `refresh failed: ${failureSummary(err)} ` +
            `(${hasLastGood ? 'the file keeps the previous credentials until they expire' : 'nothing written yet'}; retrying in ${seconds(retryInMs)})`,
        ),
    });
    stop = () => source.stop();
    if (stopping) return 0;
    await source.start();
    // The source's timers keep the process alive until a signal ends it.
    return await new Promise<number>(() => undefined);
  } catch (err) {
    return reportFailure(err, io);
  }
}
