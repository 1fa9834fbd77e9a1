/**
 * How the flags every CA command shares (`options.ts`), together with the environment, become a
 * `CaClient`.
 */
import { CA_ENV } from './constants.js';
import { caClientError } from './errors.js';
import { CaClient, type ClientIdentity } from './client.js';
import { normalizeFingerprint } from './fingerprint.js';
import { adminToken } from './secrets.js';
import type { CaTrustInput } from './trust.js';

export interface ConnectionArgs {
  readonly 'ca-url'?: string | undefined;
  readonly 'ca-fingerprint'?: string | undefined;
  readonly 'ca-file'?: string | undefined;
  readonly 'admin-token-file'?: string | undefined;
}

/** Parse and check the CA URL (https only). */
export function caUrl(args: ConnectionArgs, env: NodeJS.ProcessEnv): URL {
  const raw = args['ca-url'] ?? env[CA_ENV.url];
  if (!raw) throw caClientError('ca_url_missing');
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw caClientError('ca_url_invalid', `not a URL: ${JSON.stringify(raw)}`, { cause });
  }
  if (url.protocol !== 'https:') throw caClientError('ca_url_invalid');
  return url;
}

/**
 * Trust input from flags then environment. `fallbackCaFile` (e.g. the `ca.pem` that `enroll` wrote
 * next to the certificate) is used when neither a fingerprint nor a CA file was given.
 */
export function caTrust(args: ConnectionArgs, env: NodeJS.ProcessEnv, fallbackCaFile?: string): CaTrustInput {
  const fp = args['ca-fingerprint'] ?? env[CA_ENV.fingerprint];
  const file = args['ca-file'] ?? env[CA_ENV.caFile];
  if (fp) return { kind: 'fingerprint', fingerprint: normalizeFingerprint(fp) };
  if (file) return { kind: 'file', path: file };
  if (fallbackCaFile) return { kind: 'file', path: fallbackCaFile };
  throw caClientError('ca_trust_missing');
}

/** A client for the CA, with the admin token when `admin` is set. */
export async function connect(
  args: ConnectionArgs,
  env: NodeJS.ProcessEnv,
  opts: { admin?: boolean; clientIdentity?: ClientIdentity; fallbackCaFile?: string } = {},
): Promise<CaClient> {
  const url = caUrl(args, env);
  const trust = caTrust(args, env, opts.fallbackCaFile);
  const token = opts.admin ? await adminToken({ env, file: args['admin-token-file'] }) : undefined;
  return new CaClient({ url, trust, adminToken: token, clientIdentity: opts.clientIdentity });
}

export { adminTokenOptions, caConnectionOptions } from './options.js';
