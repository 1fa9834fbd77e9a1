/**
 * Where the credential cache lives, and the checks that make it private.
 *
 * `$XDG_RUNTIME_DIR/rapki` (a per-user tmpfs, gone at logout: the best place for secrets), else
 * `$XDG_CACHE_HOME/rapki`, else `~/.cache/rapki` (XDG Base Directory Specification). The directory
 * is created 0700; an existing one must be a real directory (not a symlink) owned by the current
 * uid and writable by nobody else, since anyone who could write there could plant credentials.
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CACHE_DIR_NAME } from './constants.js';
import { cacheError } from './errors.js';

/** The cache directory for this environment (not created). */
export function resolveCacheDir(env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime)) return join(runtime, CACHE_DIR_NAME);
  const cache = env.XDG_CACHE_HOME;
  if (cache && isAbsolute(cache)) return join(cache, CACHE_DIR_NAME);
  return join(homeDir, '.cache', CACHE_DIR_NAME);
}

/** Creates the directory if needed and checks that it is private to the current user. */
export function ensurePrivateDir(dir: string, uid: number | undefined = process.getuid?.()): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw cacheError('cache_io_error', `cannot create the cache directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, err);
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw cacheError('cache_dir_unsafe', `${dir} is not a directory (a symlink?); refusing to cache credentials there`);
  if (uid !== undefined && st.uid !== uid) {
    throw cacheError('cache_dir_unsafe', `${dir} is owned by uid ${st.uid}, not by the current user (${uid}); refusing to cache credentials there`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw cacheError('cache_dir_unsafe', `${dir} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}); refusing to cache credentials there`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
