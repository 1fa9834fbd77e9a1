/**
 * Writes a cache entry (miss path only, imported lazily so a hit does not load it).
 */
import { writeFileAtomicSync } from '../../../../common/src/fs/atomic-write.js';
import type { CacheEntry } from './entry-file.js';

/** Writes the entry atomically, 0600. Only the four credential_process fields are kept. */
export function writeEntry(path: string, entry: CacheEntry): void {
  const c = entry.credentials;
  writeFileAtomicSync(
    path,
    JSON.stringify({
      obtainedAt: entry.obtainedAt,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration },
    }),
  );
}
