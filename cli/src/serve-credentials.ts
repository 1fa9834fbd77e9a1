/**
 * The credential endpoint shared by `rapki serve` and `rapki agent --serve`: a refreshing
 * credential source (one CreateSession per refresh, certificate and key read again from disk each
 * time, and a refresh as soon as those files change) behind the IMDSv2-compatible server of
 * `signer/src/providers/imds/server.ts` (the official helper's `serve`, aws_signing_helper/serve.go).
 *
 * Order, on purpose: listen first (address, port and exposure checks fail before any
 * CreateSession), then the first CreateSession. A failed one does not stop the endpoint (the
 * network or the service may not be up yet at boot, and the official helper keeps running too):
 * it is retried with backoff, each failure reported once through `onRefreshError`, and requests
 * meanwhile get the IMDS-style error (HTTP 500 "credentials unavailable: …").
 *
 * Loaded lazily by both commands: it pulls in the signer's session code.
 */
import type { CredentialProcessConfig } from './signer-options.js';
import { VERSION } from './version.js';
import { loadKeySigner } from '../../signer/src/entry/key-signer.js';
import { keySourceStamp, RefreshingCredentialSource } from '../../signer/src/entry/refresh.js';
import { createSession } from '../../signer/src/entry/session.js';
import {
  roleNameFromArn,
  SERVE_REFRESH_BEFORE_MS,
  startCredentialServer,
  type CredentialServer,
  type CredentialServerOptions,
} from '../../signer/src/entry/imds.js';
import type { RolesAnywhereCredentials } from '../../signer/src/entry/config.js';

export interface ServeCredentialsOptions {
  /** The resolved signer flags (key source and CreateSession options). */
  readonly config: CredentialProcessConfig;
  readonly env: NodeJS.ProcessEnv;
  /** Last word of the User-Agent product comment (`serve`, `agent`), so CloudTrail tells them apart. */
  readonly userAgentMode: string;
  /** Where and how to listen; source, role name and clock are filled in here. */
  readonly listen: Omit<CredentialServerOptions, 'source' | 'lastUpdated' | 'roleName'>;
  /** Writes `--debug` lines of CreateSession (canonical request, string to sign); none when absent. */
  readonly debug?: ((line: string) => void) | undefined;
  readonly onRefreshed?: ((creds: RolesAnywhereCredentials) => void) | undefined;
  /** Once per failed CreateSession: whether previous credentials are still served, and when the next attempt is due. */
  readonly onRefreshError?: ((err: unknown, hasLastGood: boolean, retryInMs: number) => void) | undefined;
  /** The certificate or key files changed on disk; a refresh starts. */
  readonly onSourceChanged?: (() => void) | undefined;
}

/** A running endpoint; `close()` stops refreshing and closes the server. */
export interface ServingCredentials {
  readonly server: CredentialServer;
  close(): Promise<void>;
}

/** Listens, then makes the first CreateSession attempt (see the module comment for the order). */
export async function startServing(o: ServeCredentialsOptions): Promise<ServingCredentials> {
  const { config } = o;
  const roleName = roleNameFromArn(config.session.roleArn);
  const userAgent = `rapki/${VERSION} (node ${process.versions.node}; ${process.platform}) ${o.userAgentMode}`;
  const sessionOptions = o.debug === undefined ? config.session : { ...config.session, debug: o.debug };
  const source = new RefreshingCredentialSource({
    fetch: async () => {
      const signer = await loadKeySigner(config.keySource);
      try {
        return await createSession(signer, sessionOptions, { env: o.env, userAgent });
      } finally {
        await signer.close?.();
      }
    },
    refreshBeforeMs: SERVE_REFRESH_BEFORE_MS,
    sourceStamp: () => keySourceStamp(config.keySource),
    onSourceChanged: () => o.onSourceChanged?.(),
    onRefreshed: (c) => o.onRefreshed?.(c),
    onRefreshError: (err, hasLastGood, retryInMs) => o.onRefreshError?.(err, hasLastGood, retryInMs),
  });
  const server = await startCredentialServer({ ...o.listen, source, lastUpdated: () => source.lastUpdated, roleName });
  await source.start(); // a failure is reported through onRefreshError and retried
  return {
    server,
    close: async () => {
      source.stop();
      await server.close();
    },
  };
}
