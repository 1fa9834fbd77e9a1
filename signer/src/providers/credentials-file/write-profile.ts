/**
 * Writes temporary credentials into a profile of the shared credentials file (`rapki update`, as the
 * official helper's `update` does), safely:
 *
 * - path: `$AWS_SHARED_CREDENTIALS_FILE` (with `~/` expanded) else `~/.aws/credentials`; a symlinked
 *   file is updated at its target, so the link survives;
 * - the directory is created 0700 when missing (the helper created it 0600, a bug);
 * - the new content is written to a temp file (0600) beside the target, fsynced and renamed over it,
 *   so readers never see half a file and a crash leaves the old file;
 * - the file ends up 0600 whatever its mode was, since it now holds a session token;
 * - concurrent writers (two `update`s, an `update` and an agent) serialize on a lock file instead of
 *   losing each other's sections (the helper documents them as unsafe).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RolesAnywhereCredentials } from '../../types.js';
import { writeFileAtomicSync } from '../../../../common/src/fs/atomic-write.js';
import { acquireLock } from '../cache/lock.js';
import { credentialsFileError } from './errors.js';
import { isValidProfileName, upsertProfile } from './ini-update.js';

/** Environment variable naming the file (AWS CLI and SDKs). */
export const ENV_SHARED_CREDENTIALS_FILE = 'AWS_SHARED_CREDENTIALS_FILE';
/** Largest credentials file we rewrite. */
export const MAX_CREDENTIALS_FILE_BYTES = 4 * 1024 * 1024;

/** The credentials file path the AWS CLI and SDKs would read. */
export function credentialsFilePath(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  const v = env[ENV_SHARED_CREDENTIALS_FILE];
  if (v !== undefined && v !== '') return v === '~' ? home : v.startsWith('~/') ? join(home, v.slice(2)) : v;
  return join(home, '.aws', 'credentials');
}

function readExisting(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw credentialsFileError('credentials_file_unreadable', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, err);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_CREDENTIALS_FILE_BYTES) {
      throw credentialsFileError('credentials_file_too_large', `${path} is larger than ${MAX_CREDENTIALS_FILE_BYTES} bytes; not rewriting it`);
    }
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Resolves symlinks of an existing file; a missing file stays as given. */
function targetOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export interface WriteProfileOptions {
  readonly path: string;
  readonly profile: string;
  readonly credentials: RolesAnywhereCredentials;
}

export async function writeProfileCredentials(o: WriteProfileOptions): Promise<void> {
  if (!isValidProfileName(o.profile)) {
    throw credentialsFileError('invalid_profile_name', `profile name '${o.profile.slice(0, 80)}' must be 1-128 characters of [A-Za-z0-9_.+@:/=,-]`);
  }
  const c = o.credentials;
  for (const v of [c.accessKeyId, c.secretAccessKey, c.sessionToken]) {
    if (/[\r\n]/.test(v)) throw credentialsFileError('invalid_credential_value', 'a credential value contains a line break; not writing it');
  }
  const dir = dirname(o.path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw credentialsFileError('credentials_file_write_failed', `unable to create ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, err);
  }
  const target = targetOf(o.path);
  let lock;
  try {
    lock = await acquireLock(`${target}.rapki-lock`, { staleMs: 30_000, timeoutMs: 35_000, pollMs: 50 });
  } catch (err) {
    throw credentialsFileError('credentials_file_write_failed', `unable to lock ${target} for writing`, err);
  }
  try {
    const next = upsertProfile(readExisting(target), o.profile, {
      aws_access_key_id: c.accessKeyId,
      aws_secret_access_key: c.secretAccessKey,
      aws_session_token: c.sessionToken,
    });
    writeFileAtomicSync(target, next, { mode: 0o600 });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'credentials_file_too_large' || (err as { code?: unknown }).code === 'credentials_file_unreadable') throw err;
    throw credentialsFileError(
      'credentials_file_write_failed',
      `unable to write to AWS credentials file ${target}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      err,
    );
  } finally {
    lock?.release();
  }
}
