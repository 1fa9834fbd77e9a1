/**
 * Secrets for the CA commands come from the environment or from files, never from flag values that
 * show in `ps` to every user of the machine. The one exception, `rapki enroll --token`, is part of the
 * contract and warns.
 */
import { readFile, stat } from 'node:fs/promises';
import { CA_ENV, MAX_SECRET_FILE_BYTES } from './constants.js';
import { caClientError, type CaClientErrorCode } from './errors.js';

/** Read a one-line secret from a file (trailing newline and spaces stripped). */
export async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size > MAX_SECRET_FILE_BYTES) throw new Error('not a small regular file');
    const value = (await readFile(path, 'utf8')).trim();
    if (value.length === 0) throw new Error('empty');
    return value;
  } catch (cause) {
    throw caClientError('secret_file_invalid', `cannot read the ${what} from ${path}`, { cause });
  }
}

export interface SecretSources {
  readonly env: NodeJS.ProcessEnv;
  readonly file?: string | undefined;
}

async function fromEnvOrFile(envName: string, src: SecretSources, what: string, missing: CaClientErrorCode, required: boolean): Promise<string | undefined> {
  if (src.file) return readSecretFile(src.file, what);
  const v = src.env[envName]?.trim();
  if (v) return v;
  if (required) throw caClientError(missing);
  return undefined;
}

/** Admin bearer token: `--admin-token-file` first, else `RAPKI_ADMIN_TOKEN`. */
export function adminToken(src: SecretSources, required = true): Promise<string | undefined> {
  return fromEnvOrFile(CA_ENV.adminToken, src, 'admin token', 'admin_token_missing', required);
}

/** Enrollment token: `--token` (warned), `--token-file`, else `RAPKI_ENROLL_TOKEN`. */
export async function enrollToken(src: SecretSources & { flag?: string | undefined; warn: (msg: string) => void }): Promise<string> {
  if (src.flag) {
    src.warn('rapki: warning: --token is visible to other users in the process list; prefer --token-file or RAPKI_ENROLL_TOKEN');
    return src.flag.trim();
  }
  return (await fromEnvOrFile(CA_ENV.enrollToken, src, 'enrollment token', 'enroll_token_missing', true))!;
}

/**
 * Password of a TPM host key (`enroll --key tpm`, `renew`): `--tpm-key-password-file`, else
 * `RAPKI_TPM_KEY_PASSWORD`, read exactly as the signer commands read them (`signer-options.ts`), so
 * the password a key was made with is the one credential-process uses. Undefined: no password.
 */
export async function tpmKeyPasswordOf(file: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { resolveTpmKeyPassword } = await import('../signer-options.js');
  const { readFileSync } = await import('node:fs');
  return resolveTpmKeyPassword(file === undefined ? {} : { 'tpm-key-password-file': file }, {
    env,
    readFileText: (p) => readFileSync(p, 'utf8'),
    warn: () => undefined,
  });
}
