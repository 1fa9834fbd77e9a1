/**
 * Turns `rapki emulator` flag values into `EmulatorOptions`: `--listen HOST:PORT`,
 * `--role NAME:MAXSECONDS`, `--iam-credentials FILE-or-KEYID` (secrets come from a file or the
 * RAPKI_EMULATOR_SECRET_ACCESS_KEY environment variable, never from a flag), TLS files.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { RapkiError } from '../../common/src/errors.js';
import { LIMITS } from './constants.js';
import type { IamCredential } from './context.js';
import type { EmulatorOptions } from './index.js';

export const ENV_SECRET_ACCESS_KEY = 'RAPKI_EMULATOR_SECRET_ACCESS_KEY';

const flagError = (message: string) => new RapkiError('flag_value_invalid', message);

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65_535) throw flagError(`--listen must be HOST:PORT (e.g. 127.0.0.1:8443), got '${value}'`);
  return { host: (m[1] ?? m[2])!, port };
}

export function parseRoles(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const m = /^([\w+=,.@-]{1,64}):(\d+)$/.exec(v);
    const max = m ? Number(m[2]) : NaN;
    if (!m || max < LIMITS.durationMin || max > LIMITS.durationMax) {
      throw flagError(`--role must be NAME:MAXSECONDS with ${LIMITS.durationMin}..${LIMITS.durationMax} seconds, got '${v}'`);
    }
    out[m[1]!] = max;
  }
  return out;
}

/** Reads IAM credentials from a JSON file (`{accessKeyId, secretAccessKey}` or a list), an AWS
 * shared-credentials style file, or a key id whose secret is in RAPKI_EMULATOR_SECRET_ACCESS_KEY. */
export function parseIamCredentials(value: string, env: NodeJS.ProcessEnv): IamCredential[] {
  if (existsSync(value)) {
    if (statSync(value).size > 64 * 1024) throw flagError(`--iam-credentials file ${value} is too large`);
    const text = readFileSync(value, 'utf8');
    const trimmed = text.trim();
    // An ini file also starts with '[' ('[default]'), so JSON means '{' or '[' followed by '{' / ']'.
    if (/^(\{|\[\s*[{\]])/.test(trimmed)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch (cause) {
        throw new RapkiError('flag_value_invalid', `--iam-credentials file ${value} is not valid JSON`, { cause });
      }
      const list = (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
      return list.map((c) => {
        const id = c.accessKeyId ?? c.AccessKeyId;
        const secret = c.secretAccessKey ?? c.SecretAccessKey;
        if (typeof id !== 'string' || typeof secret !== 'string' || id === '' || secret === '') {
          throw flagError(`--iam-credentials file ${value}: each entry needs accessKeyId and secretAccessKey`);
        }
        return { accessKeyId: id, secretAccessKey: secret };
      });
    }
    const id = /^\s*aws_access_key_id\s*=\s*(\S+)\s*$/m.exec(text)?.[1];
    const secret = /^\s*aws_secret_access_key\s*=\s*(\S+)\s*$/m.exec(text)?.[1];
    if (!id || !secret) throw flagError(`--iam-credentials file ${value} has no aws_access_key_id / aws_secret_access_key`);
    return [{ accessKeyId: id, secretAccessKey: secret }];
  }
  if (!/^[A-Z0-9]{16,128}$/.test(value)) throw flagError(`--iam-credentials: '${value}' is neither a file nor an access key id`);
  const secret = env[ENV_SECRET_ACCESS_KEY];
  if (!secret) throw new RapkiError('secret_missing', `--iam-credentials ${value} needs the secret in ${ENV_SECRET_ACCESS_KEY}`);
  return [{ accessKeyId: value, secretAccessKey: secret }];
}

export interface EmulatorFlagValues {
  listen: string;
  state?: string | undefined;
  accountId?: string | undefined;
  region?: string | undefined;
  iamCredentials?: string | undefined;
  role?: readonly string[] | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

export function emulatorOptionsFromFlags(f: EmulatorFlagValues, env: NodeJS.ProcessEnv): EmulatorOptions {
  const { host, port } = parseListen(f.listen);
  if (f.accountId !== undefined && !/^\d{12}$/.test(f.accountId)) throw flagError(`--account-id must be 12 digits, got '${f.accountId}'`);
  if (f.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(f.region)) throw flagError(`--region '${f.region}' is not a region name`);
  if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) throw flagError('--tls-cert and --tls-key go together');
  return {
    host,
    port,
    ...(f.state ? { stateFile: f.state } : {}),
    ...(f.accountId ? { accountId: f.accountId } : {}),
    ...(f.region ? { region: f.region } : {}),
    ...(f.iamCredentials ? { iamCredentials: parseIamCredentials(f.iamCredentials, env) } : {}),
    roles: parseRoles(f.role ?? []),
    ...(f.tlsCert && f.tlsKey ? { tls: { cert: readFileSync(f.tlsCert), key: readFileSync(f.tlsKey) } } : {}),
  };
}
