/**
 * The credential cache of `rapki credential-process` (the official helper's most asked-for feature,
 * aws/rolesanywhere-credential-helper#31).
 *
 * Why: the AWS CLI runs `credential_process` for every command (the official helper's README says
 * so) and botocore/JS SDKs cache only in their own process, so without a cache every `aws` call costs a
 * CreateSession against a 10 requests/s quota.
 *
 * Rules: one private directory per user (cache-dir.ts); entry named by a digest of key material
 * and session parameters (cache-key.ts); an entry is reused while more than 15 minutes remain, or
 * when it was obtained after this call started (a concurrent call just fetched it, so it is as
 * fresh as anything we would get); concurrent misses serialize on a lock file, so N concurrent
 * calls make ONE CreateSession and the others read its result. The cache never makes a call fail
 * and never changes its meaning: the key covers everything that decides whether a fresh call would
 * succeed (cache-key.ts), and any cache problem (no usable directory, unreadable HOME, a path
 * under /proc, a lock that never frees) is ONE warning through `warn`, then the call goes to
 * CreateSession directly.
 *
 * Lean on purpose: only node:fs and node:path (no node:crypto, see sha256.ts), so a cache hit in the credential-process fast path
 * loads nothing of the HTTP/session code (`fetch` is where the caller imports that, lazily).
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { RolesAnywhereCredentials } from '../../types.js';
import { ensurePrivateDir, resolveCacheDir } from './cache-dir.js';
import { cacheKey, type CacheKeyParams, type KeyMaterialHashes } from './cache-key.js';
import { readCacheSecret } from './cache-secret.js';
import { ENTRY_SUFFIX, LOCK_POLL_MS, LOCK_STALE_MS, LOCK_WAIT_MS, MIN_REMAINING_MS } from './constants.js';
import { readEntry, type CacheEntry } from './entry-file.js';

export interface CachedCredentialProcessOptions {
  /** Digests of the key material files (`hashKeyMaterial()`); undefined = could not hash: no caching. */
  readonly keyMaterialHashes: KeyMaterialHashes | undefined;
  readonly params: CacheKeyParams;
  /** One CreateSession; only called on a miss. */
  readonly fetch: () => Promise<RolesAnywhereCredentials>;
  /** Cache directory; default from `env` (XDG_RUNTIME_DIR, XDG_CACHE_HOME, ~/.cache). */
  readonly dir?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly now?: (() => number) | undefined;
  readonly minRemainingMs?: number | undefined;
  readonly lockWaitMs?: number | undefined;
  readonly lockStaleMs?: number | undefined;
  /** Receives one line per cache problem (never credentials). */
  readonly warn?: ((line: string) => void) | undefined;
}

export interface CachedCredentialProcessResult {
  readonly credentials: RolesAnywhereCredentials;
  /** `hit`: from the cache; `fetched`: this call made the CreateSession; `bypass`: cache unusable. */
  readonly source: 'hit' | 'fetched' | 'bypass';
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return `${typeof e.code === 'string' ? `${e.code}: ` : ''}${typeof e.message === 'string' ? e.message : String(err)}`;
}

/** Drops expired entries and leftover temp files (miss path only; best effort). */
function prune(dir: string, now: number, keep: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (p === keep) continue;
    if (name.endsWith(ENTRY_SUFFIX)) {
      const e = readEntry(p);
      if (e && Date.parse(e.credentials.expiration) > now) continue;
      if (!e && !/^[0-9a-f]{64}\.json$/.test(name)) continue;
    } else if (!(name.startsWith('.') && name.endsWith('.tmp'))) {
      continue;
    }
    try {
      unlinkSync(p);
    } catch {
      /* raced with another process */
    }
  }
}

export async function cachedCredentialProcess(o: CachedCredentialProcessOptions): Promise<CachedCredentialProcessResult> {
  const now = o.now ?? Date.now;
  const warn = o.warn ?? (() => undefined);
  const startedAt = now();
  const minRemaining = o.minRemainingMs ?? MIN_REMAINING_MS;

  const bypass = async (why: string): Promise<CachedCredentialProcessResult> => {
    warn(`rapki: warning: credential cache not used: ${why}`);
    return { credentials: await o.fetch(), source: 'bypass' };
  };
  if (!o.keyMaterialHashes) return { credentials: await o.fetch(), source: 'bypass' };

  const hashes = o.keyMaterialHashes;
  let dir: string;
  let entryPath: string | undefined;
  try {
    const env = o.env ?? process.env;
    // HOME first: node:os is only loaded when it is unset (start-up time of a cache hit).
    dir = o.dir ?? resolveCacheDir(env, env.HOME || process.getBuiltinModule('node:os').homedir());
    // Checked before every read: whoever can write the directory could swap entries between keys.
    ensurePrivateDir(dir);
    // With a password or PIN the key needs the directory's secret; without one yet, nothing was cached.
    const secret = hashes.secrets === undefined ? undefined : readCacheSecret(dir);
    if (hashes.secrets === undefined || secret !== undefined) {
      entryPath = join(dir, `${cacheKey(hashes, o.params, secret)}${ENTRY_SUFFIX}`);
      const hit = usable(readEntry(entryPath));
      if (hit) return { credentials: hit.credentials, source: 'hit' };
    }
  } catch (err) {
    return bypass(describe(err));
  }

  function usable(e: CacheEntry | undefined): CacheEntry | undefined {
    if (!e) return undefined;
    const remaining = Date.parse(e.credentials.expiration) - now();
    if (remaining > minRemaining) return e;
    if (e.obtainedAt >= startedAt && remaining > 0) return e;
    return undefined;
  }

  // Miss path from here: the lock and the writer load only now.
  const [{ acquireLock }, { writeEntry }, { ensureCacheSecret }] = await Promise.all([
    import('./lock.js'),
    import('./entry-write.js'),
    import('./cache-secret.js'),
  ]);
  let lock;
  let path: string;
  try {
    path = entryPath ?? join(dir, `${cacheKey(hashes, o.params, ensureCacheSecret(dir))}${ENTRY_SUFFIX}`);
    const lockedEntry = path;
    lock = await acquireLock(`${path.slice(0, -ENTRY_SUFFIX.length)}.lock`, {
      staleMs: o.lockStaleMs ?? LOCK_STALE_MS,
      timeoutMs: o.lockWaitMs ?? LOCK_WAIT_MS,
      pollMs: LOCK_POLL_MS,
      now,
      onWait: () => usable(readEntry(lockedEntry)) !== undefined,
    });
  } catch (err) {
    return bypass(describe(err));
  }
  if (!lock) {
    const e = usable(readEntry(path));
    if (e) return { credentials: e.credentials, source: 'hit' };
    return bypass('the entry written by a concurrent call vanished');
  }
  try {
    const again = usable(readEntry(path));
    if (again) return { credentials: again.credentials, source: 'hit' };
    const credentials = await o.fetch();
    try {
      writeEntry(path, { obtainedAt: now(), credentials });
      prune(dir, now(), path);
    } catch (err) {
      warn(`rapki: warning: could not write the credential cache: ${describe(err)}`);
    }
    return { credentials, source: 'fetched' };
  } finally {
    lock.release();
  }
}
