/**
 * Where the credential cache lives, and the checks that make it private.
 *
 * `$XDG_RUNTIME_DIR/rapki` (a per-user tmpfs, gone at logout: the best place for secrets), else
 * `$XDG_CACHE_HOME/rapki`, else `~/.cache/rapki` (XDG Base Directory Specification). The directory
 * is created 0700; an existing one must be a real directory (not a symlink) owned by the current
 * uid and writable by nobody else, since anyone who could write there could plant credentials.
 *
 * Directories are created one level at a time, each `mkdir` once: the base (XDG_RUNTIME_DIR, HOME)
 * must already exist. A recursive mkdir is not used on purpose: with `HOME=/proc/1`, Node's
 * recursive mkdir retried forever (procfs answers ENOENT for a directory that cannot be made under
 * one that exists), a credential-process spinning at full CPU.
 */
import { chmodSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
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

/** Makes `dir` (0700) unless it exists; its parent must exist. One mkdir, no retry. */
function makeOneLevel(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    throw cacheError('cache_io_error', `cannot create the cache directory ${dir}: ${code ?? 'error'}`, err);
  }
}

/**
 * Creates the directory if needed (and, for `…/.cache/rapki` and `$XDG_CACHE_HOME/rapki`, the one
 * level above it) and checks that it is private to the current user.
 */
export function ensurePrivateDir(dir: string, uid: number | undefined = process.getuid?.()): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    const parent = dirname(dir);
    const grandparent = dirname(parent);
    try {
      if (!statSync(grandparent).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw cacheError('cache_io_error', `cannot create the cache directory ${dir}: ${grandparent} is not an existing directory`, err);
    }
    makeOneLevel(parent);
    makeOneLevel(dir);
    try {
      st = lstatSync(dir);
    } catch (err) {
      throw cacheError('cache_io_error', `cannot create the cache directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, err);
    }
  }
  if (!st.isDirectory()) throw cacheError('cache_dir_unsafe', `${dir} is not a directory (a symlink?); refusing to cache credentials there`);
  if (uid !== undefined && st.uid !== uid) {
    throw cacheError('cache_dir_unsafe', `${dir} is owned by uid ${st.uid}, not by the current user (${uid}); refusing to cache credentials there`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw cacheError('cache_dir_unsafe', `${dir} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}); refusing to cache credentials there`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
