/**
 * `fromRolesAnywhere()`: an AWS SDK for JavaScript v3 credential provider backed by Roles Anywhere,
 * usable as `credentials` of any client (`new S3Client({ credentials: fromRolesAnywhere({...}) })`).
 *
 * Behaviour (matching the JS SDK's own 5-minute window before `expiration`):
 * - memoized: the credentials are reused until 5 minutes (`refreshBeforeMs`) before `expiration`;
 * - single flight: concurrent callers during a refresh share one CreateSession;
 * - the certificate, key and chain files are read again at every refresh, so renewed or rotated
 *   files are picked up without restarting the process;
 * - a failed refresh while the current credentials are still valid returns those credentials
 *   (the SDK would otherwise fail requests that could still be signed) and waits `retryAfterMs`
 *   before trying again, so an outage does not turn every SDK call into a CreateSession.
 *
 * No runtime import of the AWS SDK: the shapes come from `@smithy/types` as types only.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { loadKeySigner } from '../keys/load-key-signer.js';
import { createSession, type SessionDeps } from '../session/create-session.js';
import type { KeySigner, KeySourceOptions, RolesAnywhereCredentials, SessionOptions } from '../types.js';

/** Refresh this long before expiry by default: the AWS SDK's own window (300 000 ms). */
export const DEFAULT_REFRESH_BEFORE_MS = 5 * 60_000;
/** Minimum gap between refresh attempts after a failure, while the old credentials still work. */
export const DEFAULT_RETRY_AFTER_MS = 10_000;

export interface FromRolesAnywhereOptions extends KeySourceOptions, SessionOptions {
  /** Refresh when fewer than this many milliseconds remain; default 5 minutes. */
  readonly refreshBeforeMs?: number | undefined;
  /** Gap between attempts after a failed refresh while cached credentials remain valid; default 10 s. */
  readonly retryAfterMs?: number | undefined;
  /** Injected key loading (tests); default `loadKeySigner`, re-reading the files each time. */
  readonly loadSigner?: ((opts: KeySourceOptions) => Promise<KeySigner>) | undefined;
  /** Injected transport dependencies of the session client (tests). */
  readonly sessionDeps?: SessionDeps | undefined;
}

function accountOf(roleArn: string): string | undefined {
  const account = roleArn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

function toIdentity(c: RolesAnywhereCredentials, roleArn: string): AwsCredentialIdentity {
  const accountId = accountOf(roleArn);
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken,
    expiration: new Date(c.expiration),
    ...(accountId ? { accountId } : {}),
  };
}

/**
 * Makes the provider. Options are the key source (`certificate`, `privateKey`, `intermediates`,
 * `pkcs8Password`; `pkcs11Lib`/`reusePin` for token keys, `tpmKeyPassword`/`noTpmKeyPassword` for
 * TPM keys, the TPM found through `TPM_DEVICE`) and the session options (ARNs, region, endpoint, …) of `createSession()`.
 */
export function fromRolesAnywhere(options: FromRolesAnywhereOptions): AwsCredentialIdentityProvider {
  const refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  const retryAfterMs = options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  const nowMs = (): number => (options.now ? options.now().getTime() : Date.now());
  const load = options.loadSigner ?? loadKeySigner;
  let current: AwsCredentialIdentity | undefined;
  let inflight: Promise<AwsCredentialIdentity> | undefined;
  let lastFailureAt = -Infinity;

  const refresh = async (): Promise<AwsCredentialIdentity> => {
    const signer = await load({
      certificate: options.certificate,
      privateKey: options.privateKey,
      intermediates: options.intermediates,
      pkcs8Password: options.pkcs8Password,
      pkcs11Lib: options.pkcs11Lib,
      reusePin: options.reusePin,
      tpmKeyPassword: options.tpmKeyPassword,
      noTpmKeyPassword: options.noTpmKeyPassword,
    });
    try {
      const creds = await createSession(signer, options, options.sessionDeps);
      return toIdentity(creds, options.roleArn);
    } finally {
      await signer.close?.();
    }
  };

  return async (identityProperties?: Record<string, unknown>): Promise<AwsCredentialIdentity> => {
    const force = identityProperties?.forceRefresh === true;
    const now = nowMs();
    const remaining = current?.expiration ? current.expiration.getTime() - now : -Infinity;
    if (current && !force && remaining > refreshBeforeMs) return current;
    // Still valid, but a recent refresh failed: keep serving what we have for a while.
    if (current && !force && remaining > 0 && now - lastFailureAt < retryAfterMs) return current;
    if (!inflight) {
      inflight = refresh()
        .then((identity) => {
          current = identity;
          lastFailureAt = -Infinity;
          return identity;
        })
        .finally(() => {
          inflight = undefined;
        });
    }
    try {
      return await inflight;
    } catch (err) {
      lastFailureAt = nowMs();
      const stillValid = current?.expiration ? current.expiration.getTime() - nowMs() > 0 : false;
      if (current && stillValid && !force) return current;
      throw err;
    }
  };
}
