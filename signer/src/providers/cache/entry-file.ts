/**
 * One cache entry: a JSON file `<key>.json`, mode 0600, holding the credential set and when it was
 * obtained (written by entry-write.ts, loaded only on a miss). Reads refuse anything that is not a regular file of ours with mode 0600-or-tighter
 * (`O_NOFOLLOW`), and anything malformed counts as a miss.
 */
import { closeSync, constants as fsc, fstatSync, openSync, readSync } from 'node:fs';
import type { RolesAnywhereCredentials } from '../../types.js';
import { MAX_ENTRY_BYTES } from './constants.js';

export interface CacheEntry {
  /** When CreateSession returned these credentials (ms since the epoch). */
  readonly obtainedAt: number;
  readonly credentials: RolesAnywhereCredentials;
}

function isCreds(c: unknown): c is RolesAnywhereCredentials {
  if (typeof c !== 'object' || c === null) return false;
  const o = c as Record<string, unknown>;
  return (
    typeof o.accessKeyId === 'string' &&
    typeof o.secretAccessKey === 'string' &&
    typeof o.sessionToken === 'string' &&
    typeof o.expiration === 'string' &&
    Number.isFinite(Date.parse(o.expiration))
  );
}

/** The entry at `path`, or undefined when absent, unsafe or malformed. */
export function readEntry(path: string, uid: number | undefined = process.getuid?.()): CacheEntry | undefined {
  let fd: number;
  try {
    fd = openSync(path, fsc.O_RDONLY | (fsc.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_ENTRY_BYTES || (st.mode & 0o077) !== 0) return undefined;
    if (uid !== undefined && st.uid !== uid) return undefined;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    const parsed = JSON.parse(buf.subarray(0, off).toString('utf8')) as { obtainedAt?: unknown; credentials?: unknown };
    if (typeof parsed.obtainedAt !== 'number' || !isCreds(parsed.credentials)) return undefined;
    const c = parsed.credentials;
    return {
      obtainedAt: parsed.obtainedAt,
      credentials: {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiration: c.expiration,
      },
    };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
