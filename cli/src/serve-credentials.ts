/**
 * The credential endpoint shared by `rapki serve` and `rapki agent --serve`: a refreshing
 * credential source (one CreateSession per refresh, certificate and key read again from disk each
 * time, so renewed files are used from the next refresh on) behind the IMDSv2-compatible server of
 * `signer/src/providers/imds/server.ts` (signer-spec.md §3.4).
 *
 * Order, on purpose: listen first (address, port and exposure checks fail before any
 * CreateSession), then get the first credentials; a failed first CreateSession closes the server
 * and rejects, so nothing is served that could never work. Requests in between are answered 500
 * "credentials unavailable".
 *
 * Loaded lazily by both commands: it pulls in the signer's session code.
 */
import type { CredentialProcessConfig } from './signer-options.js';
import { VERSION } from './version.js';
import { loadKeySigner } from '../../signer/src/keys/load-key-signer.js';
import { createSession } from '../../signer/src/session/create-session.js';
import { RefreshingCredentialSource } from '../../signer/src/providers/refreshing-source.js';
import { roleNameFromArn, startCredentialServer, type CredentialServer, type CredentialServerOptions } from '../../signer/src/providers/imds/server.js';
import { SERVE_REFRESH_BEFORE_MS } from '../../signer/src/providers/imds/constants.js';
import type { RolesAnywhereCredentials } from '../../signer/src/types.js';

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
  readonly onRefreshError?: ((err: unknown, hasLastGood: boolean) => void) | undefined;
}

/** A running endpoint; `close()` stops refreshing and closes the server. */
export interface ServingCredentials {
  readonly server: CredentialServer;
  close(): Promise<void>;
}

/** Listens, then gets the first credentials (see the module comment for the order). */
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
    onRefreshed: (c) => o.onRefreshed?.(c),
    onRefreshError: (err, hasLastGood) => o.onRefreshError?.(err, hasLastGood),
  });
  const server = await startCredentialServer({ ...o.listen, source, lastUpdated: () => source.lastUpdated, roleName });
  const close = async (): Promise<void> => {
    source.stop();
    await server.close();
  };
  try {
    await source.start();
  } catch (err) {
    await close();
    throw err;
  }
  return { server, close };
}
