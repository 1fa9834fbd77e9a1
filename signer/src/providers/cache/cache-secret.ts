/**
 * The cache directory's random key, under which the secrets of a key source (password, PIN) are
 * HMAC'ed into entry names (cache-key.ts): a file `key` holding 64 hex characters, 0600, created
 * on the first miss that needs it. Read with the same care as entries: a regular file of ours,
 * no symlink, mode 0600 or tighter; anything else counts as absent.
 */
import { closeSync, constants as fsc, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** File name of the key inside the cache directory. */
export const CACHE_SECRET_FILE = 'key';
const HEX64 = /^[0-9a-f]{64}$/;

/** The key, or undefined when it does not exist yet (or is not safe to use). */
export function readCacheSecret(dir: string, uid: number | undefined = process.getuid?.()): string | undefined {
  let fd: number;
  try {
    fd = openSync(join(dir, CACHE_SECRET_FILE), fsc.O_RDONLY | (fsc.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size !== 64 || (st.mode & 0o077) !== 0 || (uid !== undefined && st.uid !== uid)) return undefined;
    const buf = Buffer.alloc(64);
    const text = buf.subarray(0, readSync(fd, buf, 0, 64, 0)).toString('latin1');
    return HEX64.test(text) ? text : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The key, created (32 random bytes, `O_EXCL`, 0600) when absent; a concurrent creator's key is
 * read instead. Miss path only: it loads node:crypto. Throws when the directory refuses it.
 */
export function ensureCacheSecret(dir: string): string {
  const existing = readCacheSecret(dir);
  if (existing) return existing;
  const key = process.getBuiltinModule('node:crypto').randomBytes(32).toString('hex');
  let fd: number | undefined;
  try {
    fd = openSync(join(dir, CACHE_SECRET_FILE), 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (fd === undefined) {
    // Another process created it: its key may take a moment to be written (bounded wait).
    let other = readCacheSecret(dir);
    for (let i = 0; !other && i < 50; i++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
      other = readCacheSecret(dir);
    }
    if (!other) throw new Error(`${join(dir, CACHE_SECRET_FILE)} exists but is not a usable cache key (mode, owner or content)`);
    return other;
  }
  try {
    writeSync(fd, key);
  } finally {
    closeSync(fd);
  }
  return key;
}
